"""Tar members byte for byte as webdataset.TarWriter writes them, without tarfile's per-member Python.

TarWriter (through tarfile, PAX format) gives every member a float mtime of 0.0, so each one is a
constant pax block ("mtime=0.0") and a ustar header whose only varying fields are the name, the size
and the checksum. Those are filled into a prebuilt header here, and a sample's members go out in one
write; names or sizes the plain header cannot hold (non-ASCII, over 100 bytes, 8 GiB) take tarfile's
own path. importing webdataset itself would import torch, ~200 MB of every render worker.
"""

from __future__ import annotations

import tarfile
from typing import Any

UNAME = GNAME = "textsynth"
MODE = 0o644
MTIME = 0.0  # a float, as TarWriter(mtime=0.0) sets it: tarfile then writes the pax block
BLOCK = tarfile.BLOCKSIZE
RECORD = tarfile.RECORDSIZE  # the archive's end is padded to a whole record (tarfile's close)
_NAME_FIELD, _CHKSUM_AT, _SIZE_AT = 100, 148, 124
_MAX_SIZE = 8**11  # the ustar size field: 11 octal digits


def _tarinfo(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, MTIME, MODE
    info.uname, info.gname = UNAME, GNAME
    return info


def _tarfile_header(name: str, size: int) -> bytes:
    """tarfile's own header blocks for one member (as TarFile.addfile writes them)."""
    return _tarinfo(name, size).tobuf(tarfile.PAX_FORMAT, tarfile.ENCODING, "surrogateescape")


def _templates() -> tuple[bytes, bytes, int]:
    """The constant pax block, the ustar header with an empty name and size 0, and its byte sum
    with the checksum field as spaces; taken from tarfile itself so they cannot drift from it."""
    blocks = _tarfile_header("", 0)
    pax, header = blocks[:-BLOCK], bytearray(blocks[-BLOCK:])
    header[_CHKSUM_AT : _CHKSUM_AT + 8] = b" " * 8
    return pax, bytes(header), sum(header)


_PAX, _HEADER, _HEADER_SUM = _templates()
_ZERO_SIZE_SUM = sum(b"%011o" % 0)


def member_header(name: str, size: int) -> bytes:
    """The header blocks of member `name` holding `size` bytes, exactly as tarfile writes them."""
    try:
        raw = name.encode("ascii")
    except UnicodeEncodeError:
        return _tarfile_header(name, size)
    if not raw or len(raw) > _NAME_FIELD or not 0 <= size < _MAX_SIZE or b"\0" in raw:
        return _tarfile_header(name, size)
    size_digits = b"%011o" % size
    chksum = _HEADER_SUM + sum(raw) + sum(size_digits) - _ZERO_SIZE_SUM
    return b"".join((
        _PAX, raw, _HEADER[len(raw) : _SIZE_AT], size_digits, _HEADER[_SIZE_AT + 11 : _CHKSUM_AT],
        b"%06o\0 " % chksum, _HEADER[_CHKSUM_AT + 8 :],
    ))  # fmt: skip


def sample_members(sample: dict[str, Any]) -> list[bytes]:
    """One sample's KEY.EXT members, in sorted order, as the pieces to write (headers, data, padding)."""
    key = sample["__key__"]
    parts = []
    for ext in sorted(sample):
        if ext.startswith("_"):
            continue
        value = sample[ext]
        data = value.encode("utf-8") if isinstance(value, str) else value
        parts.append(member_header(f"{key}.{ext}", len(data)))
        parts.append(data)
        if len(data) % BLOCK:
            parts.append(bytes(BLOCK - len(data) % BLOCK))
    return parts


class TarStream:
    """A tar archive written member by member into `sink` (anything with `write`), closed as tarfile closes."""

    def __init__(self, sink: Any):
        self.sink, self.offset = sink, 0

    def add(self, sample: dict[str, Any]) -> None:
        data = b"".join(sample_members(sample))
        self.sink.write(data)
        self.offset += len(data)

    def close(self) -> None:
        """Two zero blocks, then zeros up to a whole record."""
        end = self.offset + 2 * BLOCK
        self.sink.write(bytes(2 * BLOCK + (-end) % RECORD))
        self.offset = end + (-end) % RECORD
