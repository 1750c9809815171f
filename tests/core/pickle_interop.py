"""Pickles written by this interpreter, for tests/core/pickle_interop_test.cpp.

  pickle_interop.py write DIR [DB]   writes DIR/<case>.pickle for every case at
      protocols 2-5 and, from a copy of the Python system's database DB (never
      DB itself), DIR/<table>-<id>.pickle for its blobs; DIR/expected.json maps
      each file's case name to tagged_json.encode(value); DIR/globals.txt lists the
      globals ("module name") those pickles use, one a line, sorted.
  pickle_interop.py check DIR        for every DIR/<case>.pickle, unpickles it
      (trusted: written above) and compares with tagged_json.decode() of
      DIR/<case>.decoded.json, which engram wrote; exit 1 on any difference.
"""
import json
import math
import os
import pickle
import shutil
import sqlite3
import sys
import tempfile

import numpy

# tools/python/engram/tagged_json.py, loaded by path: it needs no compiled engram.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                                "python", "engram"))
import tagged_json  # noqa: E402

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]
SHAPES = {"2x3": (2, 3), "2x3x4": (2, 3, 4), "0d": (), "empty": (0,), "3x0": (3, 0), "5": (5,)}


def values(dtype, shape):
    count = int(numpy.prod(shape)) if shape else 1
    raw = (numpy.arange(count) % 251) * 0.25 - 20.0
    if dtype == "bool":
        array = (numpy.arange(count) % 3) == 0
    elif dtype.startswith("complex"):
        array = (raw - 1j * raw).astype(dtype)
    else:
        array = raw.astype(dtype) if dtype.startswith("float") else \
            (numpy.arange(count) % 251).astype(dtype)
    return array.reshape(shape)


def cases():
    out = {}
    for dtype in DTYPES:
        for shape_name, shape in SHAPES.items():
            base = values(dtype, shape)
            for order in ("<", ">"):
                typed = base.astype(base.dtype.newbyteorder(order))
                out["array-%s-%s-%s-C" % (dtype, order, shape_name)] = typed
                out["array-%s-%s-%s-F" % (dtype, order, shape_name)] = \
                    numpy.asfortranarray(typed)
        out["scalar-%s" % dtype] = values(dtype, (3,))[1][()]
        out["in-dict-%s" % dtype] = {"a": values(dtype, (2, 2)), "s": values(dtype, (2,))[1]}
    out["array-strided"] = numpy.arange(20, dtype="<f8")[::3]
    out["array-transposed-3d"] = numpy.arange(24, dtype=">i4").reshape(2, 3, 4).transpose(2, 0, 1)
    out["array-large"] = numpy.arange(100_000, dtype="<f8")
    out["none"] = None
    out["bools"] = [True, False]
    out["ints"] = [0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -2**31, 2**31, -2**31 - 1,
                   2**63 - 1, -2**63, 2**63, 2**64 - 1, 2**64, -2**63 - 1, -2**64, 2**70,
                   -2**70, 10**40, -(10**40), 10**2000, -(10**2000)]
    out["floats"] = [0.0, -0.0, 1.5, -2.25, 1e300, 5e-324, math.pi, float("nan"),
                     float("inf"), float("-inf")]
    out["complexes"] = [1 + 2j, complex(0, -1), complex(float("nan"), float("inf")), 0j]
    out["strs"] = ["", "plain", "h\u00e9llo", "\u20ac uro", "\U0001f600", "x" * 300]
    out["bytes"] = [b"", b"ab", bytes(range(256)), b"\xff" * 300]
    out["bytearrays"] = [bytearray(), bytearray(b"xy"), bytearray(range(256))]
    out["bytes-alone"] = bytes(range(200))
    out["bytearray-alone"] = bytearray(b"\x00\x80\xff")
    out["tuples"] = ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((1, (2,)), []))
    out["sets"] = [set(), {1, 2, 3}, frozenset(), frozenset({"a", (1, 2)})]
    out["set-large"] = set(range(2500))
    out["list-large"] = list(range(2500))
    out["dict-str"] = {"a": 1, "b": [1, 2, {"c": None}], "": "empty key"}
    out["dict-large"] = {"k%d" % i: i for i in range(2500)}
    out["dict-other-keys"] = {1: "one", (1, 2): "pair", frozenset({3}): 3, None: 0, 2.5: "f",
                              b"k": "bytes key", True: "t"}
    out["dict-tag-key"] = {"__engram__": "not a tag", "x": 1}
    out["dict-nested"] = {"a": {"b": {"c": {"d": [1, (2, {3: 4})]}}}}
    shared = [1, 2]
    out["shared"] = [shared, shared, {"x": shared}]
    out["episode"] = {"state": numpy.arange(8, dtype="<f4").reshape(2, 4), "action": 3,
                      "reward": 1.5, "done": False, "info": {"step": 7, "tags": ("a", "b")}}
    return out


def record_globals(data, seen):
    class Recorder(pickle.Unpickler):
        def find_class(self, module, name):
            seen.add("%s %s" % (module, name))
            return super().find_class(module, name)

    import io
    Recorder(io.BytesIO(data)).load()


def write(folder, database):
    expected = {}
    seen = set()
    for name, value in cases().items():
        for protocol in (2, 3, 4, 5):
            case = "%s-p%d" % (name, protocol)
            data = pickle.dumps(value, protocol=protocol)
            with open(os.path.join(folder, case + ".pickle"), "wb") as out:
                out.write(data)
            expected[case] = tagged_json.encode(value)
            record_globals(data, seen)
    if database:
        scratch = tempfile.mkdtemp()
        try:
            copy = os.path.join(scratch, "seed_memory.db")
            shutil.copyfile(database, copy)
            connection = sqlite3.connect("file:%s?mode=ro" % copy, uri=True)
            for table, column in (("episodes", "experience_data"), ("concepts", "embedding")):
                for row_id, blob in connection.execute(
                        "SELECT id, %s FROM %s ORDER BY id" % (column, table)):
                    case = "fixture-%s-%d" % (table, row_id)
                    with open(os.path.join(folder, case + ".pickle"), "wb") as out:
                        out.write(blob)
                    expected[case] = tagged_json.encode(pickle.loads(blob))
            connection.close()
        finally:
            shutil.rmtree(scratch)
    with open(os.path.join(folder, "expected.json"), "w") as out:
        json.dump(expected, out)
    with open(os.path.join(folder, "globals.txt"), "w") as out:
        out.write("".join(line + "\n" for line in sorted(seen)))


def check(folder):
    failures = 0
    checked = 0
    for entry in sorted(os.listdir(folder)):
        if not entry.endswith(".pickle"):
            continue
        case = entry[:-len(".pickle")]
        with open(os.path.join(folder, entry), "rb") as source:
            original = pickle.loads(source.read())
        with open(os.path.join(folder, case + ".decoded.json")) as source:
            decoded = tagged_json.decode(json.load(source))
        checked += 1
        if not tagged_json.same(original, decoded):
            failures += 1
            print("differs: %s: %r != %r" % (case, original, decoded)[:400])
    print("checked %d" % checked)
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    else:
        sys.exit(check(sys.argv[2]))
