"""Finds the fragments (EBML documents) of a GetMedia capture and their
AWS_KINESISVIDEO_FRAGMENT_NUMBER tags, so the KVS stand-in can start a
GetMedia at a fragment. A small independent EBML walker (RFC 8794 VINTs),
not our C reader: the stand-in must not share the code it tests."""
import re

EBML_ID = 0x1A45DFA3
SEGMENT_ID = 0x18538067
CLUSTER_ID = 0x1F43B675
TAGS_ID = 0x1254C367
CLUSTER_CHILDREN = {0xE7, 0xA7, 0xAB, 0xA3, 0xA0, 0xAF, 0xBF, 0xEC, 0x5854}
_FRAG_TAG = re.compile(rb"AWS_KINESISVIDEO_FRAGMENT_NUMBER")


def _read_id(buf, pos):
    first = buf[pos]
    width = 1
    mask = 0x80
    while width <= 4 and not first & mask:
        mask >>= 1
        width += 1
    if width > 4:
        raise ValueError(f"bad element ID at {pos}")
    return int.from_bytes(buf[pos:pos + width], "big"), pos + width


def _read_size(buf, pos):
    first = buf[pos]
    width = 1
    mask = 0x80
    while width <= 8 and not first & mask:
        mask >>= 1
        width += 1
    if width > 8:
        raise ValueError(f"bad size at {pos}")
    value = first & (mask - 1)
    for b in buf[pos + 1:pos + width]:
        value = (value << 8) | b
    unknown = value == (1 << (7 * width)) - 1
    return (None if unknown else value), pos + width


def _tag_value(tags_bytes, name=_FRAG_TAG):
    m = name.search(tags_bytes)
    if not m:
        return None
    i = tags_bytes.find(b"\x44\x87", m.end())
    if i < 0:
        return None
    size, p = _read_size(tags_bytes, i + 2)
    return tags_bytes[p:p + size].decode("ascii", "replace").strip("\x00")


def index_fragments(buf):
    """[(offset, length, fragment_number or None)] for each EBML document in buf
    (bytes or mmap). Stops at the first malformed byte (a truncated tail is one
    last fragment)."""
    docs = []
    pos = 0
    n = len(buf)
    while pos < n:
        start = pos
        number = None
        try:
            eid, p = _read_id(buf, pos)
            if eid != EBML_ID:
                raise ValueError(f"expected EBML header at {pos}")
            size, p = _read_size(buf, p)
            pos = p + size
            eid, p = _read_id(buf, pos)
            if eid != SEGMENT_ID:
                raise ValueError(f"expected Segment at {pos}")
            size, p = _read_size(buf, p)
            if size is not None:
                seg_end = min(p + size, n)
                m = _tag_value(bytes(buf[p:min(seg_end, p + (1 << 20))]))
                number = m
                pos = seg_end
            else:
                pos = p
                while pos < n:
                    cid, cp = _read_id(buf, pos)
                    if cid == EBML_ID:
                        break
                    csize, cp = _read_size(buf, cp)
                    if cid == CLUSTER_ID and csize is None:
                        pos = cp
                        while pos < n:
                            bid, bp = _read_id(buf, pos)
                            if bid not in CLUSTER_CHILDREN:
                                break
                            bsize, bp = _read_size(buf, bp)
                            pos = bp + bsize
                        continue
                    if cid == TAGS_ID and number is None:
                        number = _tag_value(bytes(buf[cp:cp + csize]))
                    pos = cp + (csize or 0)
        except (ValueError, IndexError):
            pos = n
        pos = min(pos, n)
        docs.append((start, pos - start, number))
    return docs


def fragment_number_key(number):
    """Sort key for decimal fragment numbers of any length."""
    s = (number or "").lstrip("0")
    return (len(s), s)


_SERVER_TS_TAG = re.compile(rb"AWS_KINESISVIDEO_SERVER_TIMESTAMP")


def fragment_server_ms(buf, offset, length):
    """The AWS_KINESISVIDEO_SERVER_TIMESTAMP tag of the fragment at
    buf[offset:offset+length] in epoch ms ("1567100227.205" seconds), or None."""
    value = _tag_value(bytes(buf[offset:offset + min(length, 1 << 16)]), _SERVER_TS_TAG)
    try:
        return int(round(float(value) * 1000)) if value else None
    except ValueError:
        return None
