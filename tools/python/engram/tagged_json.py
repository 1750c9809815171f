"""engram's tagged JSON form of Python values (engram/pickle.h), both ways.

encode(value) gives the JSON-able form (dicts, lists, str, int, float, bool,
None) that engram::pickle::decode produces for a pickled value: numpy arrays
and scalars, tuples, sets, frozensets, bytes, bytearrays, complex numbers,
ints beyond 64 bits, NaN and infinities, and dicts with keys other than str
become objects tagged with the key "__engram__" (arrays little-endian, C
order). decode(obj) gives back a Python value equal to the encoded one, of
the same types: same(a, b) is that equality. engram.compat stores a dict experience in this form; the
pickle tests use it to compare what engram decoded with what Python
unpickled.

Errors: encode raises TypeError for a value of another type (an object,
a function); decode raises ValueError for an unknown tag and KeyError for a
tag missing its fields.

Standalone: it imports only the standard library and numpy, never the
compiled engram module, so scripts load it by path (sys.path pointing at
this folder, `import tagged_json`) without building engram.

Thread safety: stateless.
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


def encode(value):
    """The tagged JSON form of `value` (a JSON-able dict, list or scalar)."""
    # numpy's float64 and complex128 are also Python floats and complexes:
    # numpy types are tested first so that they come back as themselves.
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
        return [encode(item) for item in value]
    if isinstance(value, tuple):
        return _tag("tuple", items=[encode(item) for item in value])
    if isinstance(value, (set, frozenset)):
        kind = "frozenset" if isinstance(value, frozenset) else "set"
        return _tag(kind, items=[encode(item) for item in value])
    if isinstance(value, (bytes, bytearray)):
        kind = "bytearray" if isinstance(value, bytearray) else "bytes"
        return _tag(kind, base64=base64.b64encode(bytes(value)).decode("ascii"))
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value) and TAG not in value:
            return {key: encode(item) for key, item in value.items()}
        return _tag("dict", items=[[encode(k), encode(v)] for k, v in value.items()])
    raise TypeError("no tagged JSON form for %r" % type(value))


def _decode_float(value):
    if isinstance(value, dict):
        return float(value["value"])
    return float(value)


def decode(obj):
    """The Python value whose tagged JSON form is `obj`."""
    if isinstance(obj, list):
        return [decode(item) for item in obj]
    if not isinstance(obj, dict):
        return obj
    if TAG not in obj:
        return {key: decode(item) for key, item in obj.items()}
    kind = obj[TAG]
    if kind == "int":
        return int(obj["value"])
    if kind == "float":
        return _decode_float(obj)
    if kind == "complex":
        return complex(_decode_float(obj["real"]), _decode_float(obj["imag"]))
    if kind == "tuple":
        return tuple(decode(item) for item in obj["items"])
    if kind == "set":
        return set(decode(item) for item in obj["items"])
    if kind == "frozenset":
        return frozenset(decode(item) for item in obj["items"])
    if kind in ("bytes", "bytearray"):
        data = base64.b64decode(obj["base64"])
        return data if kind == "bytes" else bytearray(data)
    if kind == "dict":
        return {decode(k): decode(v) for k, v in obj["items"]}
    if kind in ("ndarray", "scalar"):
        dtype = numpy.dtype(obj["dtype"]).newbyteorder("<")
        flat = numpy.frombuffer(base64.b64decode(obj["data"]), dtype=dtype)
        native = flat.astype(dtype.newbyteorder("="))
        if kind == "scalar":
            return native[0]
        return native.reshape(obj["shape"]).copy()
    raise ValueError("unknown tag %r" % (kind,))


def same(a, b):
    """True iff a and b are the same Python value in the sense decode keeps:
    the same types throughout; arrays of the same dtype (byte order aside:
    decode gives little-endian), shape and elements (NaN equal to NaN);
    numpy scalars of the same dtype and bytes; floats equal with their sign,
    NaN equal to NaN; complex numbers by their parts."""
    if type(a) is not type(b):
        return False
    if isinstance(a, numpy.ndarray):
        return (a.dtype.newbyteorder("<") == b.dtype.newbyteorder("<") and a.shape == b.shape
                and numpy.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, numpy.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and
                                                     math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b
