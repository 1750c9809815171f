"""engram.tagged_json: every kind of value engram/pickle.h tags round-trips
through encode -> json text -> decode to an equal value of the same types,
and the encoded form is the one pickle.h documents. Loaded by file path, as
the pickle tests load it: it must not need the compiled module."""
import importlib.util
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "python",
                     "engram", "tagged_json.py")
_spec = importlib.util.spec_from_file_location("tagged_json_by_path", _PATH)
tagged_json = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tagged_json)


def round_trip(value):
    return tagged_json.decode(json.loads(json.dumps(tagged_json.encode(value), allow_nan=False)))


@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 2**63 - 1, 2**64 - 1, 2**64, -(2**63) - 1, 10**40,
    0.5, float("nan"), float("inf"), float("-inf"), 1 + 2j, complex(float("nan"), -math.inf),
    "text", "", "naïve ☃", [1, [2, "x"]], (1, "a", (2.5,)), (), {1, 2}, frozenset({"a"}),
    b"\x00\xff", bytearray(b"ab"), {"a": 1}, {1: "int key", (1, 2): "tuple key"},
    {"__engram__": "a user's key"}, {True: 1, None: 2},
])
def test_plain_values_round_trip(value):
    assert tagged_json.same(round_trip(value), value)


@pytest.mark.parametrize("dtype", ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                   "uint32", "uint64", "float16", "float32", "float64",
                                   "complex64", "complex128"])
@pytest.mark.parametrize("shape", [(), (0,), (5,), (2, 3), (3, 0), (2, 3, 4)])
def test_arrays_and_scalars_round_trip(dtype, shape):
    array = (np.arange(int(np.prod(shape))) % 7).astype(dtype).reshape(shape)
    assert tagged_json.same(round_trip(array), array)
    if array.size:
        scalar = array.reshape(-1)[-1]
        assert isinstance(scalar, np.generic) and tagged_json.same(round_trip(scalar), scalar)


def test_big_endian_and_fortran_arrays_come_back_equal_native():
    array = np.arange(6, dtype=">i4").reshape(2, 3).T
    back = round_trip(array)
    assert back.dtype == np.dtype("int32") and np.array_equal(back, array)


def test_dict_experience_with_arrays_lists_scalars():
    value = {"obs": np.arange(12.0).reshape(3, 4), "ids": [1, 2, 3], "pair": (1, "a"),
             "score": 0.25, "f32": np.float32(1.5), "i8": np.int8(-3),
             "nested": {"mask": np.eye(2, dtype=bool), "none": None}, 7: "int key"}
    assert tagged_json.same(round_trip(value), value)


def test_encoded_form_is_the_documented_one():
    assert tagged_json.encode((1, float("nan"))) == {
        "__engram__": "tuple", "items": [1, {"__engram__": "float", "value": "nan"}]}
    assert tagged_json.encode(np.array([1, 2], dtype="<u2")) == {
        "__engram__": "ndarray", "dtype": "uint16", "shape": [2], "data": "AQACAA=="}
    assert tagged_json.encode(np.float32(1.0)) == {
        "__engram__": "scalar", "dtype": "float32", "data": "AACAPw=="}
    assert tagged_json.encode({2: b"a"}) == {
        "__engram__": "dict", "items": [[2, {"__engram__": "bytes", "base64": "YQ=="}]]}
    assert tagged_json.encode(2**70) == {"__engram__": "int", "value": str(2**70)}


def test_errors():
    with pytest.raises(TypeError):
        tagged_json.encode(object())
    with pytest.raises(ValueError):
        tagged_json.decode({"__engram__": "no-such-tag"})
    with pytest.raises(KeyError):
        tagged_json.decode({"__engram__": "tuple"})


def test_needs_no_compiled_module():
    # A fresh interpreter that loads it by path imports no engram module.
    script = ("import sys; sys.path.insert(0, %r); import tagged_json; "
              "print(sorted(m for m in sys.modules if 'engram' in m))" % os.path.dirname(_PATH))
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                         text=True, env=env).stdout
    assert out.strip() == "[]"
