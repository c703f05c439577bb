#!/usr/bin/env python3
"""Tells when an upload's bytes reach the disk, for bench/upload.sh.

Usage: upload_watch.py SIZE DIR NAME_REGEX [DIR NAME_REGEX ...]
For each (DIR, NAME_REGEX) pair, in turn: every 20 ms, adds up the sizes
of the files under DIR whose names match NAME_REGEX, and prints on a line
of its own the Unix time at which they first held SIZE bytes (e.g. the
stored parts of a multipart upload, then the object assembled from them).
Gives up after 900 s. Run in the background and stopped when the upload
is done: a time not printed by then was not reached.
"""
import os
import re
import sys
import time


def stored_bytes(root, name):
    total = 0
    for folder, _, files in os.walk(root):
        for file in files:
            if name.fullmatch(file):
                try:
                    total += os.stat(os.path.join(folder, file)).st_size
                except FileNotFoundError:
                    pass
    return total


def main():
    size = int(sys.argv[1])
    watches = [(sys.argv[i], re.compile(sys.argv[i + 1])) for i in range(2, len(sys.argv) - 1, 2)]
    deadline = time.time() + 900
    for root, name in watches:
        while stored_bytes(root, name) < size:
            if time.time() > deadline:
                return 1
            time.sleep(0.02)
        print(f"{time.time():.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
