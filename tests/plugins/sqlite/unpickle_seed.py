"""Unpickles the Python system's database as the Python system itself would.

Usage: unpickle_seed.py DB

Prints one JSON object: {"episodes": {"<id>": TAGGED}, "concepts": {"<id>":
TAGGED}}, where TAGGED is the tagged JSON form (engram/pickle.h, written by
tools/python/engram/tagged_json.py's encode) of pickle.loads of the row's
experience_data or embedding. Only for trusted files (the shipped fixture):
pickle.loads runs whatever the file says. The database is opened read-only
and immutable, so a read-only fixture folder is never written.
"""
import json
import os
import pickle
import sqlite3
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "tools", "python", "engram"))
import tagged_json  # noqa: E402


def main():
    uri = "file:%s?mode=ro&immutable=1" % urllib.parse.quote(os.path.abspath(sys.argv[1]))
    con = sqlite3.connect(uri, uri=True)
    out = {"episodes": {}, "concepts": {}}
    for row_id, blob in con.execute("SELECT id, experience_data FROM episodes"):
        out["episodes"][str(row_id)] = tagged_json.encode(pickle.loads(blob))
    for row_id, blob in con.execute("SELECT id, embedding FROM concepts"):
        out["concepts"][str(row_id)] = tagged_json.encode(pickle.loads(blob))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
