#!/usr/bin/env python3
"""Lists or extracts the JPEG images inside an Enlightenment Eet archive (.edj, .eet), standard
library only.

Format (Eet "file2", magic 0x1ee70f42; all integers big-endian u32): magic, file count, dictionary
count, then per file 6 words: data offset, stored size, uncompressed size, name offset, name size
(including the NUL) and flags (bit 0 compressed, bit 1 ciphered, bit 2 alias). Edje keeps its images
as entries "edje/images/N"; a lossy image stored without alpha is a plain JPEG stream (FF D8 ... FF
D9), which is what photographic wallpapers use. Compressed, ciphered and non-JPEG entries (lossless
ARGB images, the Edje program) are skipped.

Usage: extract_eet.py ARCHIVE... [--list] [--out DIR] [--largest]
  --out DIR    writes each JPEG entry as DIR/<archive name>-<N>.jpg (N from edje/images/N)
  --largest    only the largest JPEG entry (the full-size copy of a wallpaper)
"""
import argparse, os, struct, sys

MAGIC_FILE2 = 0x1EE70F42


def entries(blob):
    magic, count, _dictionary = struct.unpack(">III", blob[:12])
    if magic != MAGIC_FILE2:
        raise ValueError("not an Eet archive (magic %08x)" % magic)
    for i in range(count):
        offset, size, data_size, name_offset, name_size, flags = struct.unpack(
            ">6I", blob[12 + 24 * i:36 + 24 * i])
        name = blob[name_offset:name_offset + name_size].split(b"\0")[0].decode("utf-8", "replace")
        yield name, flags, blob[offset:offset + size]


def jpegs(blob):
    """(name, bytes) of every uncompressed, clear entry that is a whole JPEG stream."""
    for name, flags, data in entries(blob):
        if flags & 7 == 0 and data[:3] == b"\xff\xd8\xff" and data.rstrip(b"\0")[-2:] == b"\xff\xd9":
            yield name, data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archives", nargs="+")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--out")
    parser.add_argument("--largest", action="store_true")
    args = parser.parse_args()
    for archive in args.archives:
        with open(archive, "rb") as f:
            blob = f.read()
        if args.list:
            for name, flags, data in entries(blob):
                kind = "jpeg" if data[:2] == b"\xff\xd8" else "other"
                print(f"{len(data):10d} {flags:3d} {kind:5s} {archive}:{name}")
            continue
        found = sorted(jpegs(blob), key=lambda e: -len(e[1]))
        if args.largest:
            found = found[:1]
        base = os.path.splitext(os.path.basename(archive))[0]
        os.makedirs(args.out or ".", exist_ok=True)
        for name, data in found:
            path = os.path.join(args.out or ".", f"{base}-{name.rsplit('/', 1)[-1]}.jpg")
            with open(path, "wb") as f:
                f.write(data)
            print(path, flush=True)
        if not found:
            print(f"warning: no JPEG image in {archive}", file=sys.stderr)


if __name__ == "__main__":
    main()
