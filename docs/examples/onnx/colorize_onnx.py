#!/usr/bin/env python3
"""Colorize a grey photo with a Colorize model exported to ONNX: onnxruntime, numpy and Pillow only.

    colorize export Models/default.safetensors --format onnx -o colorize.onnx
    python3 colorize_onnx.py colorize.onnx photo.jpg photo_color.png

The steps are those of `colorize` itself, so the result is the same picture (within a level):
1. the photo's CIELAB lightness L*, resized to the network's size (about network_size² pixels,
   sides multiples of 64: Lanczos-3 when shrinking, bicubic when enlarging, rows first);
2. the graph: L* in; the two distributions over the a and b bins, and their annealed mean, out;
3. colorize's default decoding of the distributions: unsure pixels lose chroma (σc = 40), then an
   edge-aware refinement guided by L* (radius 4) — or with --plain the graph's `ab` output as it is;
4. a*, b* resized to the photo's size and joined with its own full-size L*; colours outside sRGB
   lose chroma, not lightness.
"""
import argparse
import json
import math
import time

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

# CIE XYZ (D65) <-> linear sRGB, as scikit-image (and colorize) use them.
XYZ_FROM_RGB = np.array([[0.412453, 0.357580, 0.180423],
                         [0.212671, 0.715160, 0.072169],
                         [0.019334, 0.119193, 0.950227]])
RGB_FROM_XYZ = np.array([[3.24048134, -1.53715152, -0.49853633],
                         [-0.96925495, 1.87599, 0.04155593],
                         [0.05564664, -0.20404134, 1.05731107]])
WHITE = np.array([0.95047, 1.0, 1.08883])


def linear(c):
    return np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)


def gamma(c):
    return np.where(c > 0.0031308, 1.055 * np.maximum(c, 0) ** (1 / 2.4) - 0.055, 12.92 * c)


def lab_f(t):
    return np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)


def lab_f_inverse(f):
    return np.where(f > 0.2068966, f ** 3, (f - 16 / 116) / 7.787)


def lightness(pixels):
    """L* (0..100) of 8-bit grey [H, W] or RGB [H, W, 3] samples, by a 256-entry table per channel."""
    table = linear(np.arange(256) / 255)
    if pixels.ndim == 2:
        luminance = table[pixels]
    else:
        luminance = table[pixels] @ XYZ_FROM_RGB[1]
    return (116 * lab_f(luminance) - 16).astype(np.float32)


def resampler(source, target):
    """[target, source] weights: Lanczos-3 over the source footprint when shrinking, else bicubic (a = -0.5)."""
    matrix = np.zeros((target, source), np.float32)
    scale = source / target
    down = scale > 1
    support = 3 * scale if down else 2
    for i in range(target):
        center = (i + 0.5) * scale
        first = max(math.floor(center - support), 0)
        last = min(math.ceil(center + support), source - 1)
        j = np.arange(first, max(first, last) + 1)
        x = np.abs((j + 0.5 - center) / (scale if down else 1))
        if down:
            px = np.pi * np.maximum(x, 1e-9)
            w = np.where(x < 1e-9, 1.0, np.where(x < 3, 3 * np.sin(px) * np.sin(px / 3) / (px * px), 0.0))
        else:
            a = -0.5
            w = np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                         np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))
        total = w.sum()
        matrix[i, j] = w / total if total != 0 else 0
    return matrix


def resized(plane, width, height):
    """A [H, W, ...] array resampled to [height, width, ...]: rows first, then columns."""
    if plane.shape[1] != width:
        plane = np.tensordot(plane, resampler(plane.shape[1], width), axes=([1], [1]))
        plane = np.moveaxis(plane, -1, 1)
    if plane.shape[0] != height:
        plane = np.tensordot(resampler(plane.shape[0], height), plane, axes=([1], [0]))
    return plane


def network_dimensions(width, height, size):
    """The network's input sides for a photo: its aspect ratio at about size² pixels, multiples of 64."""
    s = max(1, min(size, 2048))
    area = s * s
    limit = max(64, min(4 * s, 2048, s * s // 64) // 64 * 64)
    aspect = max(width, 1) / max(height, 1)
    exact_w, exact_h = s * math.sqrt(aspect), s / math.sqrt(aspect)
    if exact_w > limit:
        exact_w, exact_h = limit, area / limit
    if exact_h > limit:
        exact_w, exact_h = area / limit, limit
    w, h = (min(limit, max(64, math.floor(x / 64 + 0.5) * 64)) for x in (exact_w, exact_h))
    while w * h > 3 * max(area, 64 * 64) // 2 and (w > 64 or h > 64):
        if h == 64 or (w > 64 and w / exact_w >= h / exact_h):
            w -= 64
        else:
            h -= 64
    return w, h


def box_mean(x, radius):
    """Mean of each pixel's (2r+1)² window, the part of it inside the image; rows first."""
    for axis in (1, 0):
        n = x.shape[axis]
        sums = np.concatenate([np.zeros_like(np.take(x, [0], axis)), np.cumsum(x, axis, dtype=np.float64)], axis)
        index = np.arange(n)
        low, high = np.maximum(index - radius, 0), np.minimum(index + radius, n - 1)
        count = (high - low + 1).reshape([-1 if a == axis else 1 for a in range(x.ndim)])
        x = (np.take(sums, high + 1, axis) - np.take(sums, low, axis)) / count
    return x


def decode(pa, pb, guide, temperature, confidence=40.0, radius=4, epsilon=0.01):
    """colorize's default decoding of one image's distributions [bins, h, w]: a*, b* [h, w, 2]."""
    centers = np.linspace(-1, 1, pa.shape[0]).reshape(-1, 1, 1)
    moments = []
    for p in (pa.astype(np.float64), pb.astype(np.float64)):
        q = np.where(p > 0, p ** (1 / max(temperature, 1e-3)), 0)
        total = q.sum(0)
        mean = (q * centers).sum(0) / total
        moments.append((mean, np.maximum(0, (q * centers ** 2).sum(0) / total - mean ** 2)))
    (mean_a, var_a), (mean_b, var_b) = moments
    sigma = confidence / 100
    weight = sigma ** 2 / (sigma ** 2 + var_a + var_b) if sigma > 0 else np.ones_like(mean_a)
    ab = [mean_a * weight, mean_b * weight]
    if radius > 0:
        mean_w = np.maximum(box_mean(weight, radius), 1e-6)
        mean_i = box_mean(weight * guide, radius) / mean_w
        variance = np.maximum(0, box_mean(weight * guide * guide, radius) / mean_w - mean_i ** 2)
        for k, p in enumerate(ab):
            mean_p = box_mean(weight * p, radius) / mean_w
            alpha = (box_mean(weight * guide * p, radius) / mean_w - mean_i * mean_p) / (variance + epsilon)
            beta = mean_p - alpha * mean_i
            ab[k] = box_mean(alpha, radius) * guide + box_mean(beta, radius)
    return np.stack(ab, -1) * 100


def lab_to_linear_rgb(l, a, b):
    fy = (l + 16) / 116
    f = np.stack([a / 500 + fy, fy, np.maximum(fy - b / 200, 0)], -1)
    return (lab_f_inverse(f) * WHITE) @ RGB_FROM_XYZ.T


def in_gamut(rgb):
    return np.all((rgb >= -1e-4) & (rgb <= 1 + 1e-4), -1)


def to_srgb_bytes(l, a, b):
    """8-bit sRGB keeping L* and hue: out of gamut, a* and b* shrink together (bisection) until it fits."""
    rgb = lab_to_linear_rgb(l, a, b)
    outside = ~in_gamut(rgb)
    if outside.any():
        lo, hi = np.zeros(outside.sum()), np.ones(outside.sum())
        lj, aj, bj = l[outside], a[outside], b[outside]
        for _ in range(12):
            mid = (lo + hi) / 2
            fits = in_gamut(lab_to_linear_rgb(lj, aj * mid, bj * mid))
            lo, hi = np.where(fits, mid, lo), np.where(fits, hi, mid)
        rgb[outside] = lab_to_linear_rgb(lj, aj * lo, bj * lo)
    return np.floor(np.clip(gamma(rgb), 0, 1) * 255 + 0.5).astype(np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="the ONNX file from `colorize export --format onnx`")
    parser.add_argument("input", help="a photo (grey or colour; colour is used for its lightness only)")
    parser.add_argument("output", help="the colorized photo to write (PNG or JPEG)")
    parser.add_argument("--plain", action="store_true", help="the graph's annealed mean alone, no decoding steps")
    parser.add_argument("--size", type=int, help="network working size (default: the model's network_size)")
    args = parser.parse_args()

    start = time.perf_counter()
    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    metadata = session.get_modelmeta().custom_metadata_map
    temperature, size = float(metadata["temperature"]), args.size or int(metadata["network_size"])

    image = ImageOps.exif_transpose(Image.open(args.input))
    alpha = image.getchannel("A") if "A" in image.getbands() else None
    pixels = np.asarray(image.convert("L" if image.mode in ("L", "LA", "I;16") else "RGB"))
    full_l = lightness(pixels)
    height, width = full_l.shape
    net_w, net_h = network_dimensions(width, height, size)
    small_l = resized(full_l, net_w, net_h)

    run = time.perf_counter()
    pa, pb, ab = session.run(["distribution_a", "distribution_b", "ab"], {"L": small_l[None, None]})
    run = time.perf_counter() - run
    if args.plain:
        chroma = np.moveaxis(ab[0], 0, -1)
    else:
        chroma = decode(pa[0], pb[0], small_l.astype(np.float64) / 100, temperature)

    chroma = resized(chroma.astype(np.float32), width, height)
    rgb = to_srgb_bytes(full_l.astype(np.float64), chroma[..., 0], chroma[..., 1])
    result = Image.fromarray(rgb, "RGB")
    if alpha is not None and not args.output.lower().endswith((".jpg", ".jpeg")):
        result.putalpha(alpha)
    # colorize's own defaults: JPEG quality 95, PNG compression level 1.
    result.save(args.output, quality=95, compress_level=1)
    print(json.dumps({"network": [net_w, net_h], "graph_seconds": round(run, 3),
                      "total_seconds": round(time.perf_counter() - start, 3)}))


if __name__ == "__main__":
    main()
