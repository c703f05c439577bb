"""Packs a game's folder as a playtest native build: a zip or a tar.gz.

    python3 pack.py FOLDER OUT.zip|OUT.tar.gz

The archive holds the folder's contents (not the folder itself), files and
folders only, in sorted order, with fixed times and owners and modes of 0755
(folders and executables) or 0644, so the same folder always packs to the
same bytes: a build's SHA-256 then says whether the game changed. Symbolic
and hard links are refused (the worker refuses hard links in a tar).
"""

import gzip
import io
import os
import stat
import sys
import tarfile
import zipfile

# 2020-01-01T00:00:00Z: any fixed time will do; zip cannot store one before 1980.
EPOCH = 1577836800


def entries(root):
    """(relative path, absolute path, is_dir) of everything under root, sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in dirnames + sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode) or not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                sys.exit(f"pack.py: {rel}: only plain files and folders go in a build")
            found.append((rel, path, stat.S_ISDIR(mode)))
    return sorted(found)


def mode_of(path, is_dir):
    return 0o755 if is_dir or os.stat(path).st_mode & 0o111 else 0o644


def write_zip(root, out):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for rel, path, is_dir in entries(root):
            info = zipfile.ZipInfo(rel + ("/" if is_dir else ""), date_time=(2020, 1, 1, 0, 0, 0))
            kind = stat.S_IFDIR if is_dir else stat.S_IFREG
            info.external_attr = (kind | mode_of(path, is_dir)) << 16
            info.create_system = 3  # unix, so that the mode is read
            if is_dir:
                archive.writestr(info, b"")
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(path, "rb") as f:
                    archive.writestr(info, f.read())


def write_tar_gz(root, out):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for rel, path, is_dir in entries(root):
            info = tarfile.TarInfo(rel)
            info.mtime = EPOCH
            info.mode = mode_of(path, is_dir)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if is_dir:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                info.size = os.path.getsize(path)
                with open(path, "rb") as f:
                    archive.addfile(info, f)
    with open(out, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(raw.getvalue())


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, out = sys.argv[1], sys.argv[2]
    tmp = out + ".part"
    if out.endswith(".zip"):
        write_zip(root, tmp)
    elif out.endswith(".tar.gz"):
        write_tar_gz(root, tmp)
    else:
        sys.exit("pack.py: the archive's name ends with .zip or .tar.gz")
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
