#!/usr/bin/env python3
"""Tells when an upload's bytes reach the disk, for bench/upload.sh.

Usage: upload_watch.py SIZE DIR NAME_REGEX [DIR NAME_REGEX ...]
For each (DIR, NAME_REGEX) pair, in turn: every 20 ms, adds up the sizes
of the files under DIR whose names match NAME_REGEX, and prints on a line
of its own the Unix time at which they first held SIZE bytes (e.g. the
stored parts of a multipart upload, then the object assembled from them).
A NAME_REGEX written `record:REGEX` counts, instead of the files' sizes,
the size each file records as its first word: the local store keeps its
parts in one file and a small record per part, `<size> <etag>`.
Gives up after 900 s. Run in the background and stopped when the upload
is done: a time not printed by then was not reached.
"""
import os
import re
import sys
import time


def recorded_size(path):
    """The size a part record names, 0 while it is being written."""
    with open(path, encoding="ascii", errors="replace") as record:
        first = record.read(64).split(" ", 1)[0]
    return int(first) if first.isdigit() else 0


def stored_bytes(root, name, records):
    total = 0
    for folder, _, files in os.walk(root):
        for file in files:
            if name.fullmatch(file):
                path = os.path.join(folder, file)
                try:
                    total += recorded_size(path) if records else os.stat(path).st_size
                except FileNotFoundError:
                    pass
    return total


def main():
    size = int(sys.argv[1])
    watches = []
    for i in range(2, len(sys.argv) - 1, 2):
        pattern = sys.argv[i + 1]
        records = pattern.startswith("record:")
        watches.append((sys.argv[i], re.compile(pattern.removeprefix("record:")), records))
    deadline = time.time() + 900
    for root, name, records in watches:
        while stored_bytes(root, name, records) < size:
            if time.time() > deadline:
                return 1
            time.sleep(0.02)
        print(f"{time.time():.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
