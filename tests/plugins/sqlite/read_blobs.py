"""Reads a database engram's sqlite plugin wrote, as a Python user would.

Usage: read_blobs.py DB EXPECTED_JSON

EXPECTED_JSON lists, per episode and concept id, what numpy / json must find:
  {"episodes": {"<id>": {"format": "npy", "dtype": "<f8", "shape": [3, 4],
                          "values": [...], "metadata": {...}}
                | {"format": "json", "experience": {...}, "metadata": {...}}},
   "concepts": {"<id>": {"name": ..., "dtype": "<f4", "shape": [512],
                          "values": [...], "metadata": {...}}},
   "learning_events": {"<id>": {"parameters": {...}}}}
Every row of each table must be listed, and every blob must decode with
numpy.load(io.BytesIO(blob)) (allow_pickle=False: a pickle fails). Exit 0
iff everything matches; a message on stderr otherwise.
"""
import io
import json
import sqlite3
import sys

import numpy


def fail(message):
    print("read_blobs.py: " + message, file=sys.stderr)
    sys.exit(1)


def check_array(what, blob, spec):
    if not isinstance(blob, bytes):
        fail("%s: blob is %s, not bytes" % (what, type(blob).__name__))
    array = numpy.load(io.BytesIO(blob), allow_pickle=False)
    if array.dtype.str != spec["dtype"]:
        fail("%s: dtype %s, expected %s" % (what, array.dtype.str, spec["dtype"]))
    if list(array.shape) != spec["shape"]:
        fail("%s: shape %s, expected %s" % (what, array.shape, spec["shape"]))
    expected = numpy.array(spec["values"], dtype=array.dtype).reshape(array.shape)
    if not numpy.array_equal(array, expected):
        fail("%s: values differ: %s vs %s" % (what, array.ravel()[:8], expected.ravel()[:8]))


def main():
    db_path, expected_path = sys.argv[1], sys.argv[2]
    with open(expected_path) as f:
        expected = json.load(f)
    con = sqlite3.connect(db_path)

    rows = con.execute(
        "SELECT id, experience_data, experience_format, metadata FROM episodes").fetchall()
    if sorted(str(r[0]) for r in rows) != sorted(expected["episodes"]):
        fail("episode ids %s, expected %s" % ([r[0] for r in rows], list(expected["episodes"])))
    for episode_id, data, fmt, metadata in rows:
        spec = expected["episodes"][str(episode_id)]
        what = "episode %d" % episode_id
        if fmt != spec["format"]:
            fail("%s: experience_format %r, expected %r" % (what, fmt, spec["format"]))
        if fmt == "npy":
            check_array(what, data, spec)
        else:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            if json.loads(text) != spec["experience"]:
                fail("%s: experience %r" % (what, text))
        if json.loads(metadata) != spec["metadata"]:
            fail("%s: metadata %r" % (what, metadata))

    rows = con.execute("SELECT id, name, embedding, metadata FROM concepts").fetchall()
    if sorted(str(r[0]) for r in rows) != sorted(expected["concepts"]):
        fail("concept ids %s, expected %s" % ([r[0] for r in rows], list(expected["concepts"])))
    for concept_id, name, embedding, metadata in rows:
        spec = expected["concepts"][str(concept_id)]
        what = "concept %d" % concept_id
        if name != spec["name"]:
            fail("%s: name %r" % (what, name))
        check_array(what, embedding, spec)
        if json.loads(metadata) != spec["metadata"]:
            fail("%s: metadata %r" % (what, metadata))

    rows = con.execute("SELECT id, parameters FROM learning_events").fetchall()
    if sorted(str(r[0]) for r in rows) != sorted(expected["learning_events"]):
        fail("learning event ids %s" % [r[0] for r in rows])
    for event_id, parameters in rows:
        if json.loads(parameters) != expected["learning_events"][str(event_id)]["parameters"]:
            fail("learning event %d: parameters %r" % (event_id, parameters))
    print("read_blobs.py: %d episodes, %d concepts checked" % (
        len(expected["episodes"]), len(expected["concepts"])))


if __name__ == "__main__":
    main()
