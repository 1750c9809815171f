"""Reads and damages engram's Redis values from Python, as another client.

    redis_values.py PORT read KEY FIELD
        prints JSON: the value's kind ("npy" or "compressed"), for a
        compressed value its codec and sizes from engram's header (README,
        "Redis plugin"), and the array numpy loads from it: dtype, shape,
        values.
    redis_values.py PORT damage KEY FIELD MODE
        rewrites the field: MODE truncate | flip | codec9 | version2 | huge |
        ratio (an LZ4 frame declaring 64 MiB, cut to its first 4 KiB: more
        than LZ4 can expand)

Only Debian's python3-redis, python3-numpy, python3-lz4 and
python3-zstandard are used, and zlib from the standard library.
"""
import io
import json
import struct
import sys
import zlib

import lz4.frame
import numpy
import redis
import zstandard

MAGIC = b"\x93ENGZ\x00"
CODECS = {1: "lz4", 2: "zstd", 3: "zlib"}


def decode(value):
    if value.startswith(b"\x93NUMPY"):
        return {"kind": "npy"}, numpy.load(io.BytesIO(value), allow_pickle=False)
    if not value.startswith(MAGIC):
        raise SystemExit("neither .npy nor engram's compressed header")
    version, codec, npy_size, frame_size = struct.unpack_from("<BBQQ", value, 6)
    assert version == 1, version
    frame = value[24:]
    assert len(frame) == frame_size, (len(frame), frame_size)
    name = CODECS[codec]
    if name == "lz4":
        npy = lz4.frame.decompress(frame)
    elif name == "zstd":
        npy = zstandard.ZstdDecompressor().decompress(frame)
    else:
        npy = zlib.decompress(frame)
    assert len(npy) == npy_size, (len(npy), npy_size)
    info = {"kind": "compressed", "codec": name, "npy_size": npy_size, "frame_size": frame_size}
    return info, numpy.load(io.BytesIO(npy), allow_pickle=False)


def main():
    port, command, key, field = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    client = redis.Redis(host="127.0.0.1", port=port)
    value = client.hget(key, field)
    if value is None:
        raise SystemExit(f"no field {field} in {key}")
    if command == "read":
        info, array = decode(value)
        info.update(dtype=array.dtype.str, shape=list(array.shape),
                    values=array.ravel().tolist())
        print(json.dumps(info))
        return
    mode = sys.argv[5]
    data = bytearray(value)
    if mode == "truncate":
        data = data[:-7]
    elif mode == "flip":
        data[len(data) // 2] ^= 0x5A
    elif mode == "codec9":
        data[7] = 9
    elif mode == "version2":
        data[6] = 2
    elif mode == "huge":
        struct.pack_into("<Q", data, 8, 1 << 62)
    elif mode == "ratio":
        npy_size = 64 << 20
        frame = lz4.frame.compress(bytes(npy_size), store_size=True)[:4096]
        data = bytearray(MAGIC + struct.pack("<BBQQ", 1, 1, npy_size, len(frame)) + frame)
    else:
        raise SystemExit(f"unknown mode {mode}")
    client.hset(key, field, bytes(data))


if __name__ == "__main__":
    main()
