#!/usr/bin/env python3
"""Unpacks chosen files or folders of a Debian package (.deb) and stops reading as soon as it has
passed them all, standard library only. dpkg-deb must decompress the whole data.tar; the photos of a
large documentation package sit near its start, so this saves most of the time there.

A .deb is an ar archive ("!<arch>\\n", 60-byte member headers) whose data.tar.{xz,gz,bz2} (or plain
data.tar) holds the files as ./path. A tar written from a directory walk keeps each folder's files
together, so once every wanted member has been seen and left behind, the rest can be skipped.
Exits 3 (nothing unpacked) for a compression this module cannot read (zstd), so the caller can fall
back to dpkg-deb.

Usage: deb_extract.py PACKAGE.deb DIR MEMBER...   (MEMBER: ./usr/share/x or usr/share/x, a file or a folder)
"""
import os, sys, tarfile

OPENERS = {"data.tar.xz": "r|xz", "data.tar.gz": "r|gz", "data.tar.bz2": "r|bz2", "data.tar": "r|"}


def data_member(f):
    if f.read(8) != b"!<arch>\n":
        raise ValueError("not a .deb (ar) archive")
    while True:
        header = f.read(60)
        if len(header) < 60:
            raise ValueError("no data.tar member")
        name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58])
        if name.startswith("data.tar"):
            return name, size
        f.seek(size + (size & 1), 1)


def main():
    deb, out, wanted = sys.argv[1], sys.argv[2], [m.lstrip("./").rstrip("/") for m in sys.argv[3:]]
    with open(deb, "rb") as f:
        name, _ = data_member(f)
        if name not in OPENERS:
            sys.exit(3)
        state = {w: "before" for w in wanted}  # before -> inside -> after
        with tarfile.open(fileobj=f, mode=OPENERS[name]) as tar:
            for member in tar:
                path = member.name.lstrip("./")
                hit = False
                for w in wanted:
                    inside = path == w or path.startswith(w + "/")
                    if inside:
                        state[w], hit = "inside", True
                    elif state[w] == "inside":
                        state[w] = "after"
                if hit:
                    try:
                        if hasattr(tarfile, "tar_filter"):
                            tar.extract(member, out, filter="tar")
                        else:
                            tar.extract(member, out)
                    except (OSError, tarfile.TarError) as error:
                        print(f"warning: {path}: {error}", file=sys.stderr)
                elif all(s == "after" for s in state.values()):
                    break


if __name__ == "__main__":
    main()
