"""Arrays and dict experiences as the seed's bytes fields
(Episode.experience_data, Concept.embedding), and back.

`npy_bytes(array)`: the .npy bytes numpy.save writes for a C-order native
array (engram's core codec, engram.npy.encode: one copy).
`experience_bytes(value)`: an episode's experience as stored by engram: an
array as npy_bytes, a dict (engram's tagged JSON form, engram.tagged_json)
as the compact UTF-8 text of that JSON.
`deserialize(data)`: either back as the value stored: bytes starting with
the .npy magic are decoded by engram.npy.decode into a fresh, writable array
(any .npy numpy writes: versions 1-3, either byte order, Fortran order);
anything else is read as tagged JSON text into a dict (numpy arrays, tuples
and other values inside as they were). Errors: damaged .npy bytes (missing
data, bytes past the data, a malformed header) are engram.CorruptData, a
.npy of a dtype engram lacks engram.NotSupported; text that is not JSON or
not UTF-8 ValueError; a JSON value that is not tagged JSON ValueError /
TypeError / KeyError (engram.tagged_json.decode's errors); a non-bytes-like
`data` TypeError.

Thread safety: stateless.
"""
import json

from engram import npy, tagged_json

NPY_MAGIC = b"\x93NUMPY"


def npy_bytes(array):
    """The .npy bytes numpy.save writes for `array`."""
    return npy.encode(array)


def experience_bytes(experience):
    """An episode's experience as the seed's bytes field: .npy, or the UTF-8
    text of a dict's tagged JSON form."""
    if isinstance(experience, dict):
        return json.dumps(experience, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return npy_bytes(experience)


def deserialize(data):
    """The value in a bytes field: an array from .npy, a dict from tagged JSON."""
    if data[:len(NPY_MAGIC)] == NPY_MAGIC:
        return npy.decode(data)
    return tagged_json.decode(json.loads(bytes(data).decode("utf-8")))
