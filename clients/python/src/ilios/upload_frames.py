"""The wire form of ``ConversionService.Upload`` chunks, both ways.

A chunk message, ``UploadRequest(chunk=...)``, is one tag byte, a varint length
and the bytes. The Python client (from file blocks) and the gateway (from the
pieces of a request body) write it with ``chunk_message``: one copy, instead
of a protobuf message and its serialization. The server reads it as a view of
what gRPC received (``upload_request``: no copy into a protobuf message and out
again). Every other ``UploadRequest`` goes through protobuf. It lives in the
client package because all three use it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ilios.v1 import conversion_service_pb2 as pb

SERVICE = pb.DESCRIPTOR.services_by_name["ConversionService"].full_name
METHOD = "Upload"
PATH = f"/{SERVICE}/{METHOD}"  # the method's full name on the wire
CHUNK_TAG = 0x12  # UploadRequest.chunk: field 2, length-delimited
VARINT_MAX_BYTES = 10


def chunk_message(parts: Sequence[bytes | memoryview], size: int) -> bytes:
    """The serialized ``UploadRequest(chunk=b"".join(parts))``; ``size`` is their length."""
    return b"".join((bytes((CHUNK_TAG,)), _varint(size), *parts))


def upload_request(data: bytes) -> pb.UploadRequest | memoryview:
    """One received ``Upload`` message: a chunk as a view of ``data``, else the message."""
    if len(data) >= 2 and data[0] == CHUNK_TAG:
        length, shift, at = 0, 0, 1
        while at <= VARINT_MAX_BYTES and at < len(data):
            byte = data[at]
            length |= (byte & 0x7F) << shift
            at += 1
            if byte < 0x80:
                if at + length == len(data):
                    return memoryview(data)[at:]
                break
            shift += 7
    return pb.UploadRequest.FromString(data)


def _varint(value: int) -> bytes:
    """Protobuf's base-128 varint encoding of a non-negative int."""
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
