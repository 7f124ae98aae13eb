"""A test case class over one local AWS stack and one Runtime API emulator
for the whole class (started and stopped by the class, by PID), with a
scratch folder, Kinesis sequence numbers, and no fault left over from the
previous test."""
import shutil
import tempfile
import unittest

from stack.localstack import LocalStack
from stack.runtime_api import RuntimeApiEmulator


class StackTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix=cls.__name__ + "-")
        cls.st = LocalStack().start()
        cls.rt = RuntimeApiEmulator().start()
        cls.s3 = cls.st.client("s3")
        cls.seq = 0

    @classmethod
    def tearDownClass(cls):
        cls.rt.stop()
        cls.st.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.st.clear_faults()
        self.st.clear_contact_attributes()

    def next_seq(self):
        type(self).seq += 1
        return self.seq
