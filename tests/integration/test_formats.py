"""OUTPUT_FORMAT and kvs2wav --format: recordings of speech (espeak-ng, a
different voice and text on each side) written as FLAC, MP3 and Opus, and
decoded the way a user's player would (libsndfile through
build/drivers/sf_decode, and ffmpeg):

- FLAC decodes to exactly the WAV's samples, every output, both decoders;
- MP3 and Opus decode to the WAV's duration (gapless: encoder delay and
  padding are removed) and channel layout, with a signal-to-noise ratio
  against the WAV above a stated floor in every channel, and the stereo
  mix keeps left and right apart (each decoded channel is far closer to its
  own side than to the other);
- a format or bitrate that cannot be had is refused before anything is
  written (kvs2wav: usage error; the Lambda: init error naming the variable);
- the Lambda stores .flac/.mp3/.opus keys with their Content-Type and puts
  those URLs on the contact.

The floors are waveform SNRs measured on this speech (MP3 24 kbps per
channel: 17-19 dB; Opus 12 kbps per channel: 9-13 dB) less a margin; lossy
codecs shape their noise for the ear, so these are sanity floors (a
dropped channel, a delay or a mono down-mix is far below them), not a
measure of how the recording sounds.
"""
import array
import json
import math
import os
import shutil
import subprocess
import tempfile
import unittest
import wave

import helpers
from fixtures.make_connect_mkv import FROM, TO, Capture, wav_source
from recording_env import CLOUDFRONT, INSTANCE_ID, PREFIX, Bootstrap, ctr_for, event, record, write_capture
from stack.localstack import DEFAULT_BUCKET, LocalStack
from stack.runtime_api import RuntimeApiEmulator

RATE = 8000
SECONDS = 12
FLOOR_DB = {"mp3": 12.0, "opus": 6.0}
SEPARATION_DB = 6.0  # own side at least this much closer than the other side
OUTPUTS = (("from_customer", 1), ("to_customer", 1), ("mixed", 2))
SPEECH = {
    FROM: ("en-us", "Hello, I am calling about my parcel. It was supposed to arrive on Monday "
                    "and it still has not come. Could you check where it is?"),
    TO: ("en-gb+f3", "Thank you for calling. Let me look that up for you. Your parcel left the depot "
                     "this morning and will be with you before six tonight."),
}


def speech_track(tmp, track):
    voice, text = SPEECH[track]
    raw = os.path.join(tmp, f"{track}-22k.wav")
    path = os.path.join(tmp, f"{track}.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", raw, text], check=True)
    subprocess.run(["sox", raw, "-r", str(RATE), "-c", "1", "-b", "16", path], check=True)
    return path


def samples(raw, channels, ch):
    a = array.array("h")
    a.frombytes(raw)
    return a[ch::channels]


def snr_db(ref, got):
    signal = sum(x * x for x in ref)
    noise = sum((x - y) ** 2 for x, y in zip(ref, got))
    return math.inf if noise == 0 else 10 * math.log10(signal / noise)


def sf_decode(path, tmp):
    out = os.path.join(tmp, os.path.basename(path) + ".raw")
    p = subprocess.run([helpers.program("sf_decode"), path, out], capture_output=True, text=True)
    if p.returncode:
        raise AssertionError(f"libsndfile cannot read {path}: {p.stderr}")
    with open(out, "rb") as f:
        return json.loads(p.stdout), f.read()


def ffmpeg_decode(path, channels, rate=RATE):
    return subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "s16le", "-ac", str(channels),
                           "-ar", str(rate), "-"], capture_output=True, check=True).stdout


class FormatsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="formats-")
        sources = {t: wav_source(speech_track(cls.tmp, t)) for t in (FROM, TO)}
        cls.cap = Capture(sources=sources)
        cls.cap.add_contact("c-speech", seconds=SECONDS)
        cls.capture = write_capture(cls.cap, cls.tmp, "speech")
        cls.wav = cls.kvs2wav("wav")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def kvs2wav(cls, fmt, *extra, expect=0):
        out = os.path.join(cls.tmp, f"out-{fmt}-{'-'.join(extra)}")
        p = subprocess.run([helpers.program("kvs2wav"), "--contact-id", "c-speech", "--out-dir", out,
                            "--format", fmt, *extra, cls.capture], capture_output=True, text=True)
        if p.returncode != expect:
            raise AssertionError(f"kvs2wav --format {fmt} {extra}: exit {p.returncode}: {p.stderr}")
        files = {}
        for name, channels in OUTPUTS:
            path = os.path.join(out, f"c-speech_audio_{name}.{fmt}")
            if os.path.exists(path):
                files[name] = path
        return {"summary": json.loads(p.stdout), "files": files, "dir": out}

    def wav_pcm(self, name):
        with wave.open(self.wav["files"][name], "rb") as w:
            return w.readframes(w.getnframes())

    def test_flac_decodes_to_exactly_the_wavs_samples(self):
        flac = self.kvs2wav("flac")
        self.assertEqual(sorted(flac["files"]), sorted(n for n, _ in OUTPUTS))
        for name, channels in OUTPUTS:
            want = self.wav_pcm(name)
            info, got = sf_decode(flac["files"][name], self.tmp)
            self.assertEqual((info["major"], info["rate"], info["channels"]), ("flac", RATE, channels), name)
            self.assertEqual(got, want, f"{name}: libsndfile")
            self.assertEqual(ffmpeg_decode(flac["files"][name], channels), want, f"{name}: ffmpeg")
            self.assertLess(os.path.getsize(flac["files"][name]), 0.8 * len(want), name)

    def check_lossy(self, fmt, *extra):
        enc = self.kvs2wav(fmt, *extra)
        self.assertEqual(sorted(enc["files"]), sorted(n for n, _ in OUTPUTS))
        for name, channels in OUTPUTS:
            want = self.wav_pcm(name)
            info, got = sf_decode(enc["files"][name], self.tmp)
            self.assertEqual((info["rate"], info["channels"]), (RATE, channels), f"{fmt} {name}")
            self.assertEqual(len(got), len(want), f"{fmt} {name}: decoded length (gapless)")
            self.assertEqual(len(ffmpeg_decode(enc["files"][name], channels)), len(want),
                             f"{fmt} {name}: ffmpeg's decoded length (gapless)")
            for ch in range(channels):
                own = snr_db(samples(want, channels, ch), samples(got, channels, ch))
                self.assertGreater(own, FLOOR_DB[fmt], f"{fmt} {name} channel {ch}: SNR {own:.1f} dB")
                if channels == 2:
                    other = snr_db(samples(want, 2, 1 - ch), samples(got, 2, ch))
                    self.assertGreater(own - other, SEPARATION_DB,
                                       f"{fmt} mix channel {ch}: {own:.1f} dB to its side, {other:.1f} dB "
                                       "to the other: left and right are not kept apart")
        return enc

    def test_mp3_has_the_wavs_duration_layout_and_speech(self):
        enc = self.check_lossy("mp3")
        self.assertEqual(enc["summary"]["bitrate_kbps_per_channel"], 24)
        # constant bitrate: 24 kbps per channel (the mix 48)
        size = os.path.getsize(enc["files"]["mixed"])
        self.assertAlmostEqual(size, 48000 / 8 * SECONDS, delta=0.05 * 48000 / 8 * SECONDS)

    def test_opus_has_the_wavs_duration_layout_and_speech(self):
        enc = self.check_lossy("opus")
        self.assertEqual(enc["summary"]["bitrate_kbps_per_channel"], 12)
        self.check_lossy("opus", "--bitrate-kbps", "24")

    def test_what_a_format_cannot_take_is_refused_and_nothing_written(self):
        for args, why in ((("--format", "ogg"), "--format must be"),
                          (("--format", "flac", "--bitrate-kbps", "32"), "for mp3 and opus only"),
                          (("--format", "mp3", "--bitrate-kbps", "16"), "mp3 takes 24 to 160"),
                          (("--format", "opus", "--bitrate-kbps", "x"), "whole number")):
            out = os.path.join(self.tmp, "refused")
            p = subprocess.run([helpers.program("kvs2wav"), "--out-dir", out, *args, self.capture],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 1, args)
            self.assertIn(why, p.stderr, args)
            self.assertFalse(os.path.exists(out) and os.listdir(out), args)
        # a bitrate MP3 cannot take at the stereo mix's 8 kHz: the mono files are
        # written, the mix fails and says why
        enc = self.kvs2wav("mp3", "--bitrate-kbps", "40", expect=2)
        self.assertEqual(sorted(enc["files"]), ["from_customer", "to_customer"])
        self.assertIn("stereo mix", enc["summary"]["error"])

    def test_the_lambda_stores_each_format_with_its_name_and_content_type(self):
        with LocalStack() as st, RuntimeApiEmulator() as rt:
            arn = st.add_media("stream-speech", self.capture)["StreamARN"]
            s3 = st.client("s3")
            for fmt, ctype in (("flac", "audio/flac"), ("mp3", "audio/mpeg"), ("opus", "audio/ogg")):
                st.clear_contact_attributes()
                boot = Bootstrap(st, rt, OUTPUT_FORMAT=fmt)
                try:
                    answer = boot.invoke(event(record(ctr_for(self.cap, arn, "c-speech"), 1)))
                finally:
                    log = boot.stop()
                self.assertEqual(answer["body"], b'{"batchItemFailures":[]}', log[-2000:])
                base = f"{PREFIX}2025/12/1/c-speech_audio_"
                attrs = st.contact_attributes()[f"{INSTANCE_ID}/c-speech"]
                for name, channels in OUTPUTS:
                    key = f"{base}{name}.{fmt}"
                    head = s3.head_object(Bucket=DEFAULT_BUCKET, Key=key)
                    self.assertEqual(head["ContentType"], ctype, key)
                    self.assertEqual(head["Metadata"].get("contact-id"), "c-speech", key)
                    path = os.path.join(self.tmp, f"lambda-{name}.{fmt}")
                    s3.download_file(DEFAULT_BUCKET, key, path)
                    info, got = sf_decode(path, self.tmp)
                    self.assertEqual(info["channels"], channels, key)
                    if fmt == "flac":
                        self.assertEqual(got, self.wav_pcm(name), key)
                    else:
                        self.assertEqual(len(got), len(self.wav_pcm(name)), key)
                self.assertEqual(attrs["audioMixed"], f"{CLOUDFRONT}/{base}mixed.{fmt}")
                self.assertEqual(attrs["audioFromCustomer"], f"{CLOUDFRONT}/{base}from_customer.{fmt}")
            self.assertFalse(s3.list_multipart_uploads(Bucket=DEFAULT_BUCKET).get("Uploads"))

    def test_a_bitrate_connect_audio_cannot_take_is_an_init_error(self):
        with LocalStack() as st, RuntimeApiEmulator() as rt:
            for env, why in (({"OUTPUT_FORMAT": "mp3", "OUTPUT_BITRATE_KBPS": "40"}, "OUTPUT_BITRATE_KBPS 40"),
                             ({"OUTPUT_FORMAT": "wav", "OUTPUT_BITRATE_KBPS": "32"}, "wav takes none"),
                             ({"OUTPUT_FORMAT": "aac"}, "OUTPUT_FORMAT must be one of")):
                rt.init_errors.clear()
                boot = Bootstrap(st, rt, **env)
                err = rt.wait_init_error(timeout=20)
                boot.stop()
                self.assertIsNotNone(err, env)
                self.assertIn(why, err["body"].decode(), env)


if __name__ == "__main__":
    unittest.main()
