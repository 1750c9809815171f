"""engram.npy: the core's .npy codec from Python. encode writes exactly what
numpy.save writes for C-order native arrays; decode reads what numpy.save
writes (either byte order, Fortran order, format 2.0) from any contiguous
buffer into an array owning engram's buffer, and refuses damaged bytes with
engram.CorruptData."""
import io

import numpy as np
import pytest

import engram
import engram.npy
from engram.npy import decode, encode

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]
SHAPES = [(), (0,), (7,), (3, 5), (2, 0), (2, 3, 4), (1,) * 20, (100, 50)]


def sample(dtype, shape):
    values = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) - 5
    if dtype == "bool":
        return values > 0
    if dtype.startswith("complex"):
        return (values + 1j * (values + 2)).astype(dtype)
    return values.astype(dtype)


def saved(array):
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def test_the_submodule_is_engram_npy():
    assert engram.npy is engram._engram.npy
    assert engram.npy.encode is encode and engram.npy.decode is decode


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_encode_is_numpy_save_byte_for_byte(dtype, shape):
    array = sample(dtype, shape)
    blob = encode(array)
    assert type(blob) is bytes
    assert blob == saved(array)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_round_trip(dtype, shape):
    array = sample(dtype, shape)
    back = decode(encode(array))
    assert back.dtype == np.dtype(dtype) and back.shape == shape
    np.testing.assert_array_equal(back, array)
    assert back.flags.c_contiguous and back.flags.writeable
    assert not back.flags.owndata and type(back.base).__name__ == "PyCapsule"


def test_encode_takes_array_likes():
    assert encode([[1.0, 2.0], [3.0, 4.0]]) == saved(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert encode(np.int32(7)) == saved(np.array(7, dtype=np.int32))
    strided = np.arange(20.0)[::2]
    assert encode(strided) == saved(np.ascontiguousarray(strided))


@pytest.mark.parametrize("array", [
    np.arange(12, dtype=">f8").reshape(3, 4),
    np.arange(12, dtype=">i2").reshape(4, 3),
    (np.arange(6) + 1j).astype(">c16"),
    np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4)),
    np.asfortranarray(np.arange(24, dtype=">f4").reshape(2, 3, 4)),
])
def test_decode_reads_big_endian_and_fortran_numpy_save_output(array):
    back = decode(saved(array))
    assert back.shape == array.shape and back.dtype == array.dtype.newbyteorder("=")
    assert back.dtype.isnative and back.flags.c_contiguous
    np.testing.assert_array_equal(back, array)
    # Written back: C order and little-endian, as numpy.save writes that array.
    assert encode(array) == saved(np.ascontiguousarray(array, dtype=back.dtype))


def test_decode_reads_format_2():
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    blob = saved(array)
    length = int.from_bytes(blob[8:10], "little")
    version2 = b"\x93NUMPY\x02\x00" + length.to_bytes(4, "little") + blob[10:]
    np.testing.assert_array_equal(decode(version2), array)


def test_decode_takes_any_contiguous_buffer():
    array = np.arange(30, dtype=np.int64).reshape(5, 6)
    blob = saved(array)
    for data in (blob, bytearray(blob), memoryview(blob), np.frombuffer(blob, np.uint8)):
        np.testing.assert_array_equal(decode(data), array)
    # A memoryview of a slice: read where it points, not from the start.
    padded = b"xyz" + blob + b"tail"
    np.testing.assert_array_equal(decode(memoryview(padded)[3:3 + len(blob)]), array)


def test_decoded_array_is_a_copy_of_the_input():
    source = bytearray(saved(np.zeros(4)))
    back = decode(source)
    source[-8:] = np.float64(9.0).tobytes()
    assert back[-1] == 0.0
    back[0] = 5.0
    assert decode(source)[0] == 0.0


def test_decode_refuses_what_is_not_a_buffer():
    with pytest.raises(TypeError):
        decode("\x93NUMPY")
    with pytest.raises(TypeError):
        decode(None)
    with pytest.raises(BufferError):
        decode(memoryview(saved(np.zeros(4)))[::2])


GOOD = saved(np.arange(4.0))


@pytest.mark.parametrize("blob", [
    b"", b"\x93NUM", b"\x93NUMPY", b"not a npy file at all",
    b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'",
    GOOD[:-1], GOOD[:len(GOOD) - 32], GOOD[:20],
    GOOD.replace(b"'descr'", b"'dexcr'"),
    GOOD.replace(b"(4,)", b"(9,)"),
    GOOD[:9] + b"\xff" + GOOD[10:],  # header length past the end
])
def test_truncated_or_garbage_bytes_are_corrupt_data(blob):
    with pytest.raises(engram.CorruptData):
        decode(blob)


@pytest.mark.parametrize("extra", [b"x", b"\x00" * 8, GOOD])
def test_bytes_past_the_data_are_corrupt_data(extra):
    with pytest.raises(engram.CorruptData, match="trailing"):
        decode(GOOD + extra)


def test_what_engram_lacks_is_not_supported():
    with pytest.raises(engram.NotSupported):
        decode(saved(np.array(["a", "bc"])))
    with pytest.raises(engram.NotSupported):
        decode(b"\x93NUMPY\x04\x00" + GOOD[8:])  # a later format version
    with pytest.raises(engram.InvalidArgument):
        encode(np.array(["a", "bc"]))
    with pytest.raises(engram.InvalidArgument):
        encode(np.array([1, "x"], dtype=object))
