"""numpy's side of the .npy interop test (run by npy_interop_test.cpp).

  npy_interop.py check DIR   asserts that DIR holds exactly one <case>.npy per
                             case, each the expected array, as numpy reads it
  npy_interop.py write DIR   writes every case in every variant as
                             <case>__<variant>.npy, and DIR/manifest.txt

The cases and their values must stay in step with npy_interop_test.cpp.
Exit status: 0 success, 1 a check failed, 2 bad usage, 3 numpy is missing.
"""

import math
import os
import sys

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
          "uint64", "float16", "float32", "float64", "complex64", "complex128"]
# name -> (shape, index of the first element)
SHAPES = {
    "1d": ((300,), 0),
    "2d": ((7, 11), 0),
    "3d": ((3, 4, 5), 0),
    "0d": ((), 200),
    "empty1": ((0,), 0),
    "empty2": ((3, 0), 0),
}
LARGE_CASE = "large"
LARGE_COUNT = 8_500_000  # float64: 68 MB, past any small-buffer path


def values(np, dtype, shape, start):
    """Element i (C order, counted from start) is derived from i % 251."""
    n = math.prod(shape)
    i = np.arange(start, start + n, dtype=np.int64)
    v = i % 251
    dt = np.dtype(dtype)
    if dt.kind == "b":
        out = i % 3 == 0
    elif dt.kind in "iu":
        out = v.astype(dt)  # wraps modulo 2**bits, as C++'s conversion does
    else:
        x = v * 0.25 - 20.0
        if dt.kind == "f":
            out = x.astype(dt)
        else:
            out = np.empty(n, dtype=dt)
            out.real = x
            out.imag = -x
    return out.reshape(shape)


def cases(np):
    """Yields (name, expected array)."""
    for dtype in DTYPES:
        for shape_name, (shape, start) in SHAPES.items():
            yield f"{dtype}_{shape_name}", values(np, dtype, shape, start)
    yield LARGE_CASE, np.arange(LARGE_COUNT, dtype=np.float64) * 0.5


def variants(name, array):
    """The variant names written for a case."""
    if name == LARGE_CASE:
        return ["default"]
    names = ["default", "v1", "v2", "v3", "be"]
    if array.ndim >= 2:
        names += ["f", "bef"]
    return names


def big_endian(np, array):
    return array.astype(array.dtype.newbyteorder(">"))


def write_variant(np, path, array, variant):
    if variant == "default":
        np.save(path, array)
    elif variant in ("v1", "v2", "v3"):
        version = (int(variant[1]), 0)
        with open(path, "wb") as f:
            np.lib.format.write_array(f, array, version=version)
    elif variant == "be":
        np.save(path, big_endian(np, array))
    elif variant == "f":
        np.save(path, np.asfortranarray(array))
    elif variant == "bef":
        np.save(path, np.asfortranarray(big_endian(np, array)))
    else:
        raise ValueError(f"unknown variant {variant}")


def check(np, directory):
    failures = []
    expected_files = set()
    count = 0
    for name, expected in cases(np):
        file_name = f"{name}.npy"
        expected_files.add(file_name)
        path = os.path.join(directory, file_name)
        if not os.path.exists(path):
            failures.append(f"{file_name}: missing")
            continue
        with open(path, "rb") as f:
            major, minor = np.lib.format.read_magic(f)
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(f)
            data_offset = f.tell()
        if (major, minor) != (1, 0):
            failures.append(f"{file_name}: format version {major}.{minor}, expected 1.0")
        if data_offset % 64 != 0:
            failures.append(f"{file_name}: data starts at {data_offset}, not a multiple of 64")
        if fortran_order:
            failures.append(f"{file_name}: fortran_order is True")
        if dtype.byteorder == ">":
            failures.append(f"{file_name}: big-endian dtype {dtype.str}")
        loaded = np.load(path, allow_pickle=False)
        if loaded.dtype != expected.dtype:
            failures.append(f"{file_name}: dtype {loaded.dtype}, expected {expected.dtype}")
        elif loaded.shape != expected.shape or shape != expected.shape:
            failures.append(f"{file_name}: shape {loaded.shape}, expected {expected.shape}")
        elif loaded.tobytes() != expected.tobytes():
            differ = np.flatnonzero(loaded.reshape(-1) != expected.reshape(-1))
            failures.append(f"{file_name}: values differ at flat indices "
                            f"{differ[:5].tolist()}{' ...' if differ.size > 5 else ''}")
        count += 1
    present = set(os.listdir(directory))
    for extra in sorted(present - expected_files):
        failures.append(f"{extra}: not a case")
    for failure in failures:
        print(f"npy_interop.py check: {failure}", file=sys.stderr)
    print(f"npy_interop.py check: {count} files read, {len(failures)} failures")
    return 1 if failures else 0


def write(np, directory):
    os.makedirs(directory, exist_ok=True)
    written = []
    for name, array in cases(np):
        for variant in variants(name, array):
            file_name = f"{name}__{variant}.npy"
            write_variant(np, os.path.join(directory, file_name), array, variant)
            written.append(file_name)
    with open(os.path.join(directory, "manifest.txt"), "w", encoding="utf-8") as f:
        f.write("".join(f"{file_name}\n" for file_name in written))
    print(f"npy_interop.py write: {len(written)} files")
    return 0


def main(argv):
    if len(argv) != 3 or argv[1] not in ("check", "write"):
        print("usage: npy_interop.py check|write DIR", file=sys.stderr)
        return 2
    try:
        import numpy as np
    except ImportError as error:
        print(f"npy_interop.py: {sys.executable} cannot import numpy ({error}); "
              "install python3-numpy", file=sys.stderr)
        return 3
    if argv[1] == "check":
        return check(np, argv[2])
    return write(np, argv[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
