#!/usr/bin/env python3
"""Lists or extracts the files inside a Qt resource bundle (.rcc), standard library only.

Format (Qt's rcc, versions 1-3): "qres", then big-endian u32 version, tree offset, data offset,
names offset (v3 adds u32 flags). The tree is an array of 14-byte (v1) or 22-byte (v2+) nodes:
name offset u32, flags u16, then for directories child count u32 + first child index u32, for files
country u16 + language u16 + data offset u32 (v2+ append a u64 modification time). Names are u16
length, u32 hash, UTF-16BE text. Data entries are u32 length + bytes; flag 1 means zlib-compressed
(u32 uncompressed size + zlib stream), flag 4 zstd (not supported here: skipped with a warning).

Usage: extract_rcc.py BUNDLE [--list] [--out DIR] [--match SUBSTRING ...]
"""
import argparse, os, struct, sys, zlib


def entries(blob):
    if blob[:4] != b"qres":
        raise ValueError("not a Qt resource bundle")
    version, tree, data, names = struct.unpack(">IIII", blob[4:20])
    node_size = 14 if version == 1 else 22

    def name_at(offset):
        p = names + offset
        length = struct.unpack(">H", blob[p:p + 2])[0]
        return blob[p + 6:p + 6 + 2 * length].decode("utf-16-be")

    stack = [(0, "")]
    while stack:
        index, prefix = stack.pop()
        p = tree + index * node_size
        name_offset, flags = struct.unpack(">IH", blob[p:p + 6])
        name = name_at(name_offset) if index else ""
        if flags & 2:
            count, first = struct.unpack(">II", blob[p + 6:p + 14])
            stack.extend((first + i, prefix + name + "/") for i in range(count))
            continue
        offset = data + struct.unpack(">I", blob[p + 10:p + 14])[0]
        size = struct.unpack(">I", blob[offset:offset + 4])[0]
        yield prefix + name, flags, blob[offset + 4:offset + 4 + size]


def payload(flags, raw):
    if flags & 4:
        return None
    if flags & 1:
        return zlib.decompress(raw[4:])
    return raw


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--out")
    parser.add_argument("--match", nargs="*", default=[])
    args = parser.parse_args()
    with open(args.bundle, "rb") as f:
        blob = f.read()
    for path, flags, raw in entries(blob):
        if args.match and not any(m in path for m in args.match):
            continue
        if args.list or not args.out:
            print(path)
            continue
        content = payload(flags, raw)
        if content is None:
            print(f"warning: {path} is zstd-compressed; skipped", file=sys.stderr)
            continue
        target = os.path.join(args.out, path.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(content)


if __name__ == "__main__":
    main()
