"""engram's tagged JSON form of Python values (engram/pickle.h), both ways.

to_tagged(value) gives the form engram::pickle::decode produces for a value
(arrays little-endian, C order); from_tagged(json_value) gives back a Python
value equal to the one pickled: the same types (tuple, set, frozenset, bytes,
bytearray, complex, numpy arrays and scalars), the same contents.
"""
import base64
import math

import numpy

TAG = "__engram__"


def _tag(name, **fields):
    out = {TAG: name}
    out.update(fields)
    return out


def _float(value):
    if math.isnan(value):
        return _tag("float", value="nan")
    if math.isinf(value):
        return _tag("float", value="inf" if value > 0 else "-inf")
    return value


def _array_bytes(array):
    little = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return base64.b64encode(numpy.ascontiguousarray(little).tobytes()).decode("ascii")


def to_tagged(value):
    # numpy's float64 and complex128 are also Python floats and complexes.
    if isinstance(value, numpy.ndarray):
        return _tag("ndarray", dtype=value.dtype.name, shape=list(value.shape),
                    data=_array_bytes(value))
    if isinstance(value, numpy.generic):
        return _tag("scalar", dtype=value.dtype.name, data=_array_bytes(numpy.asarray(value)))
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if -(2**63) <= value < 2**64:
            return value
        return _tag("int", value=str(value))
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, complex):
        return _tag("complex", real=_float(value.real), imag=_float(value.imag))
    if isinstance(value, list):
        return [to_tagged(item) for item in value]
    if isinstance(value, tuple):
        return _tag("tuple", items=[to_tagged(item) for item in value])
    if isinstance(value, (set, frozenset)):
        kind = "set" if isinstance(value, set) else "frozenset"
        return _tag(kind, items=[to_tagged(item) for item in value])
    if isinstance(value, (bytes, bytearray)):
        kind = "bytes" if isinstance(value, bytes) else "bytearray"
        return _tag(kind, base64=base64.b64encode(bytes(value)).decode("ascii"))
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value) and TAG not in value:
            return {key: to_tagged(item) for key, item in value.items()}
        return _tag("dict", items=[[to_tagged(k), to_tagged(v)] for k, v in value.items()])
    raise TypeError("no tagged form for %r" % type(value))


def _from_float(value):
    if isinstance(value, dict):
        return float(value["value"])
    return float(value)


def from_tagged(value):
    if isinstance(value, list):
        return [from_tagged(item) for item in value]
    if not isinstance(value, dict):
        return value
    if TAG not in value:
        return {key: from_tagged(item) for key, item in value.items()}
    kind = value[TAG]
    if kind == "int":
        return int(value["value"])
    if kind == "float":
        return _from_float(value)
    if kind == "complex":
        return complex(_from_float(value["real"]), _from_float(value["imag"]))
    if kind == "tuple":
        return tuple(from_tagged(item) for item in value["items"])
    if kind == "set":
        return set(from_tagged(item) for item in value["items"])
    if kind == "frozenset":
        return frozenset(from_tagged(item) for item in value["items"])
    if kind in ("bytes", "bytearray"):
        data = base64.b64decode(value["base64"])
        return data if kind == "bytes" else bytearray(data)
    if kind == "dict":
        return {from_tagged(k): from_tagged(v) for k, v in value["items"]}
    if kind in ("ndarray", "scalar"):
        dtype = numpy.dtype(value["dtype"]).newbyteorder("<")
        flat = numpy.frombuffer(base64.b64decode(value["data"]), dtype=dtype)
        native = flat.astype(dtype.newbyteorder("="))
        if kind == "scalar":
            return native[0]
        return native.reshape(value["shape"]).copy()
    raise ValueError("unknown tag %r" % kind)
