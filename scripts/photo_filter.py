#!/usr/bin/env python3
"""Decides which images are colour photographs worth training or evaluating on.

Reads a binary PPM or PGM (P6/P5, 8-bit) on stdin — a downscaled decode made by djpeg or dwebp — and
prints "keep WIDTH HEIGHT COLOURFULNESS" or "drop REASON". Rules: short side of the original (given
as arguments) at least 128 px, and Hasler-Susstrunk colourfulness at least 15 (near-grey pictures
teach no colour). Standard library only.

Usage: photo_filter.py WIDTH HEIGHT < image.ppm
"""
import math, sys


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
    pixels = data[position + 1:]
    if fields[0] == b"P5":  # a grey picture: repeat each sample as R, G, B
        pixels = bytes(v for v in pixels for _ in range(3))
    return int(fields[1]), int(fields[2]), pixels


def colourfulness(pixels):
    n = len(pixels) // 3
    s_rg = s_yb = s_rg2 = s_yb2 = 0.0
    for i in range(0, 3 * n, 3):
        r, g, b = pixels[i], pixels[i + 1], pixels[i + 2]
        rg, yb = r - g, 0.5 * (r + g) - b
        s_rg += rg; s_yb += yb; s_rg2 += rg * rg; s_yb2 += yb * yb
    m_rg, m_yb = s_rg / n, s_yb / n
    var = max(s_rg2 / n - m_rg ** 2, 0) + max(s_yb2 / n - m_yb ** 2, 0)
    return math.sqrt(var) + 0.3 * math.sqrt(m_rg ** 2 + m_yb ** 2)


def main():
    width, height = int(sys.argv[1]), int(sys.argv[2])
    data = sys.stdin.buffer.read()  # read first, so the producer never dies of a broken pipe
    if min(width, height) < 128:
        print(f"drop too small ({width}x{height})")
        return
    _, _, pixels = read_ppm(data)
    c = colourfulness(pixels)
    print(f"keep {width} {height} {c:.1f}" if c >= 15 else f"drop near-grey (colourfulness {c:.1f})")


if __name__ == "__main__":
    main()
