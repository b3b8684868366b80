"""Writes the tiny PNG/JPEG fixtures of ImagingTests (run once; the outputs are committed).

PNG files are assembled by hand (zlib + chunks) so every variant libpng reads is covered without
depending on an encoder; the CMYK JPEG needs Pillow. Pixel values follow simple formulas that the
Swift tests recompute.
"""
import struct, zlib

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)

def png(path, width, height, depth, color_type, rows, interlace=0, extra=b""):
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, interlace)
    raw = b"".join(b"\x00" + row for row in rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

W, H = 5, 4
def rgb8(x, y): return (x * 25, y * 30, (x + y) * 15)

# 16-bit RGB: sample = 1000·x + 7·y + 300·c
png("rgb16.png", W, H, 16, 2, [b"".join(struct.pack(">HHH", *(1000 * x + 7 * y + 300 * c for c in range(3))) for x in range(W)) for y in range(H)])
# 16-bit grey: 13000·x + 11·y
png("grey16.png", W, H, 16, 0, [b"".join(struct.pack(">H", 13000 * x + 11 * y) for x in range(W)) for y in range(H)])
# grey + alpha, 8-bit: grey 40·x + y, alpha 255 − 30·y
png("greyalpha8.png", W, H, 8, 4, [bytes(v for x in range(W) for v in (40 * x + y, 255 - 30 * y)) for y in range(H)])
# palette of 4 colours with tRNS (entry 3 transparent): index (x + y) % 4
palette = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 20, 30)]
plte = chunk(b"PLTE", bytes(v for c in palette for v in c)) + chunk(b"tRNS", bytes([255, 255, 255, 0]))
png("palette.png", W, H, 8, 3, [bytes((x + y) % 4 for x in range(W)) for y in range(H)], extra=plte)
# 1-bit grey: checker (x + y) % 2 → 0 or 255
def pack_bits(bits):
    out = bytearray()
    for i in range(0, len(bits), 8):
        byte = 0
        for j, b in enumerate(bits[i:i + 8]): byte |= b << (7 - j)
        out.append(byte)
    return bytes(out)
png("grey1.png", W, H, 1, 0, [pack_bits([(x + y) % 2 for x in range(W)]) for y in range(H)])

# Adam7-interlaced RGB 8-bit, 9×7, pixels rgb8(x, y)
IW, IH = 9, 7
passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
raw = b""
for x0, y0, dx, dy in passes:
    xs, ys = range(x0, IW, dx), range(y0, IH, dy)
    if not len(xs) or not len(ys): continue
    for y in ys: raw += b"\x00" + bytes(v for x in xs for v in rgb8(x, y))
ihdr = struct.pack(">IIBBBBB", IW, IH, 8, 2, 0, 0, 1)
with open("interlaced.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

# CMYK JPEG (Pillow): must be rejected with a clear error.
from PIL import Image
Image.new("CMYK", (8, 8), (0, 128, 255, 0)).save("cmyk.jpg", quality=90)
