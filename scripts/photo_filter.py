#!/usr/bin/env python3
"""Decides which images are colour photographs worth training or evaluating on, and finds their
licences. Python 3 with numpy.

Rules for a picture (a binary 8-bit PPM/PGM thumbnail, P6/P5, made by pamscale from the decode):
  * short side of the original (given as WIDTH HEIGHT) at least 128 px;
  * Hasler-Susstrunk colourfulness of the thumbnail at least 15 (near-grey pictures teach no colour);
  * not a near-duplicate of a picture kept before: perceptual hash (pHash: grey, area-resized to
    32x32, 2-D DCT-II, the 8x8 lowest frequencies compared with their median = 64 bits) within
    Hamming distance 6 of an earlier kept one. The earlier picture wins.

Two ways to run it:
  photo_filter.py WIDTH HEIGHT < thumbnail.ppm
      prints "keep WIDTH HEIGHT COLOURFULNESS PHASH" or "drop REASON" (no duplicate check).
  photo_filter.py --select QUEUE WORK ["PACKAGE ..."]
      phase two of photo-lib.sh: QUEUE has one tab-separated row per candidate, in priority order
      (index, package, name, source, upstream path, licence file, destination folder, split);
      WORK holds what photo-prepare.sh made of each. Keeps a candidate that passes the rules, is
      not an exact duplicate (same pixels) nor a near-duplicate of one kept before it (except in
      the listed packages, whose photos are kept as they were: near-duplicates there are only
      reported), moves its JPEG to DEST/PACKAGE/NAME.jpg and appends its row to DEST/MANIFEST.tsv.

Licences: a Debian machine-readable copyright file (the last Files paragraph whose pattern matches
the upstream path wins; when none does, not even "*", the path's tails from any folder on are
tried), an older free-form Debian copyright file (its GPL/LGPL wording, else its
first "License:" line), or a wheel's METADATA (License-Expression, License or "License ::"
classifier).
"""
import fnmatch, os, re, shutil, sys

import numpy as np

MIN_SIDE = 128
MIN_COLOURFULNESS = 15.0
MAX_DISTANCE = 6


def read_ppm(data):
    fields, position = [], 0
    while len(fields) < 4:
        while data[position:position + 1].isspace():
            position += 1
        if data[position:position + 1] == b"#":
            while data[position:position + 1] not in (b"\n", b""):
                position += 1
            continue
        start = position
        while not data[position:position + 1].isspace():
            position += 1
        fields.append(data[start:position])
    if fields[0] not in (b"P5", b"P6") or int(fields[3]) != 255:
        raise ValueError("expected an 8-bit binary PGM or PPM")
    width, height = int(fields[1]), int(fields[2])
    channels = 3 if fields[0] == b"P6" else 1
    pixels = np.frombuffer(data, np.uint8, width * height * channels, position + 1)
    pixels = pixels.reshape(height, width, channels).astype(np.float64)
    if channels == 1:  # a grey picture: R = G = B
        pixels = np.repeat(pixels, 3, axis=2)
    return pixels


def colourfulness(pixels):
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    rg, yb = r - g, 0.5 * (r + g) - b
    m_rg, m_yb = rg.mean(), yb.mean()
    var = max((rg * rg).mean() - m_rg ** 2, 0) + max((yb * yb).mean() - m_yb ** 2, 0)
    return float(np.sqrt(var) + 0.3 * np.sqrt(m_rg ** 2 + m_yb ** 2))


def area_matrix(size, out):
    """out x size matrix averaging each of `out` equal intervals of [0, size)."""
    edges = np.arange(out + 1) * (size / out)
    left, right = np.arange(size), np.arange(size) + 1
    overlap = np.clip(np.minimum(right[None, :], edges[1:, None]) - np.maximum(left[None, :], edges[:-1, None]), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


_N = 32
_DCT = np.cos(np.pi * np.outer(np.arange(_N), 2 * np.arange(_N) + 1) / (2 * _N))


def phash(pixels):
    grey = pixels[..., 0] * 0.299 + pixels[..., 1] * 0.587 + pixels[..., 2] * 0.114
    small = area_matrix(grey.shape[0], _N) @ grey @ area_matrix(grey.shape[1], _N).T
    low = (_DCT @ small @ _DCT.T)[:8, :8].ravel()
    bits = low > np.median(low)
    return int("".join("1" if b else "0" for b in bits), 2)


def verdict(width, height, data):
    if min(width, height) < MIN_SIDE:
        return None, f"drop too small ({width}x{height})"
    pixels = read_ppm(data)
    c = colourfulness(pixels)
    if c < MIN_COLOURFULNESS:
        return None, f"drop near-grey (colourfulness {c:.1f})"
    h = phash(pixels)
    return h, f"keep {width} {height} {c:.1f} {h:016x}"


# ---- licences ----

def _paragraphs(text):
    for block in re.split(r"\n[ \t]*\n", text):
        fields, key = {}, None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            if line[:1] in (" ", "\t") and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, value = line.split(":", 1)
                key = key.strip().lower()
                fields[key] = value.strip()
        if fields:
            yield fields


def _free_form(text):
    flat = " ".join(text.split())
    m = re.search(r"GNU (Lesser |Library )?General Public License,? (?:as published by the Free Software "
                  r"Foundation;? )?(?:either )?version ([0-9.]+)( of the License,? or \(at your option\) any later)?",
                  flat, re.I)
    if m:
        return ("LGPL-" if m.group(1) else "GPL-") + m.group(2).rstrip(".") + ("+" if m.group(3) else "")
    m = re.search(r"^[ \t]*License: *(\S.*)$", text, re.M)
    return m.group(1).strip() if m else "unknown"


def licence(path, upstream):
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return "unknown"
    if text.startswith("Metadata-Version"):  # a wheel's METADATA (RFC 822 headers, then the README)
        headers = text.split("\n\n", 1)[0]
        for key in ("License-Expression", "License"):
            m = re.search(rf"^{key}: *(\S[^\n]{{0,40}})$", headers, re.M)
            if m and m.group(1).upper() != "UNKNOWN":
                return m.group(1).strip()
        m = re.search(r"^Classifier: License :: (?:OSI Approved :: )?(.+)$", headers, re.M)
        return m.group(1).replace(" License", "").strip() if m else "unknown"
    if not re.match(r"Format:.*(copyright-format|dep5)", text):
        return _free_form(text)
    paragraphs = [(f["files"].split(), f["license"].split("\n")[0].strip())
                  for f in _paragraphs(text) if "files" in f and "license" in f]
    # The path as given; when nothing matches it (not even "*"), its tails from any folder on, so
    # that an installed path such as usr/share/backgrounds/x/y.jpg still finds "x/y.jpg".
    parts = upstream.split("/")
    for candidates in ([upstream], ["/".join(parts[i:]) for i in range(1, len(parts))]):
        found = None
        for patterns, name in paragraphs:
            if name and any(fnmatch.fnmatchcase(c, p) for c in candidates for p in patterns):
                found = name
        if found:
            return found
    return "unknown"


def select(queue_path, work, keep_near_duplicates_in):
    """Phase two of photo-lib.sh: decides, in queue order, which prepared pictures to keep, moves
    them into their folders and appends their manifest rows. Prints the skips to stderr and the
    counts per split and package to stdout."""
    seen_pixels, seen_hashes, licences, kept = {}, [], {}, {}
    with open(queue_path, encoding="utf-8") as queue:
        rows = [line.rstrip("\n").split("\t") for line in queue if line.strip()]
    for index, package, name, source, upstream, licence_file, dest, split in rows:
        label = f"{package}/{name}"
        try:
            with open(os.path.join(work, index + ".result")) as f:
                fields = f.read().split()
        except OSError:
            fields = ["fail", "cannot", "decode"]
        if fields[0] == "fail":
            print(f"  skip {label}: {' '.join(fields[1:])}", file=sys.stderr)
            continue
        width, height = int(fields[1]), int(fields[2])
        try:
            thumbnail = b""
            if fields[0] == "ok":
                with open(os.path.join(work, index + ".thumb.ppm"), "rb") as f:
                    thumbnail = f.read()
            h, answer = verdict(width, height, thumbnail)
        except Exception:
            h, answer = None, "drop cannot measure"
        if h is None:
            print(f"  skip {label}: {answer[5:]}", file=sys.stderr)
            continue
        out_width, out_height, digest = fields[3], fields[4], fields[5]
        if digest in seen_pixels:
            print(f"  skip {label}: duplicate of {seen_pixels[digest]}", file=sys.stderr)
            continue
        distance, other = min(((bin(h ^ s).count("1"), n) for s, n in seen_hashes), default=(99, ""))
        if distance <= MAX_DISTANCE:
            if package not in keep_near_duplicates_in:
                print(f"  skip {label}: near-duplicate of {other} (distance {distance})", file=sys.stderr)
                continue
            print(f"  note {label}: near-duplicate of {other} (distance {distance}), kept "
                  f"(its package's photos are kept as they were)", file=sys.stderr)
        seen_pixels[digest] = name
        seen_hashes.append((h, label))
        os.makedirs(os.path.join(dest, package), exist_ok=True)
        shutil.move(os.path.join(work, index + ".jpg"), os.path.join(dest, package, name + ".jpg"))
        key = (licence_file, upstream)
        if key not in licences:
            licences[key] = licence(licence_file, upstream) if licence_file else "unknown"
        with open(os.path.join(dest, "MANIFEST.tsv"), "a", encoding="utf-8") as manifest:
            manifest.write("\t".join([package, f"{package}/{name}.jpg", out_width, out_height, split,
                                      licences[key], source]) + "\n")
        kept[(split, package)] = kept.get((split, package), 0) + 1
    print("photos (split/package):")
    for (split, package), n in sorted(kept.items()):
        print(f"  {split + '/' + package:<44s} {n:4d}")
    for split in sorted({s for s, _ in kept}):
        print(f"  {split + ' total':<44s} {sum(n for (s, _), n in kept.items() if s == split):4d}")
    print(f"  {'total':<44s} {sum(kept.values()):4d}")


def main():
    if sys.argv[1:2] == ["--select"]:
        select(sys.argv[2], sys.argv[3], set(sys.argv[4].split()) if len(sys.argv) > 4 else set())
        return
    width, height = int(sys.argv[1]), int(sys.argv[2])
    data = sys.stdin.buffer.read()  # read first, so the producer never dies of a broken pipe
    print(verdict(width, height, data)[1])


if __name__ == "__main__":
    main()
