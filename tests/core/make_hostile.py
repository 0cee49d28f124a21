#!/usr/bin/python3
"""Hostile and unusual image files for tests/core/test_image_decode.c, and what
PIL makes of the valid ones. Run by hand: /usr/bin/python3 tests/core/make_hostile.py
Writes tests/fixtures/hostile/ (a few KB in all):
  png_*.png          every PNG colour type and bit depth (16-bit, alpha, tRNS,
                     palettes, 1/2/4-bit gray, gAMA), 4x3 pixels
  expected.json      PIL's Image.open(f).convert("RGB") and convert("L") of each
  bomb_*.{png,jpg}   small files that declare huge images
  jpeg_*.jpg         truncated, corrupt and many-scan JPEGs"""
import io
import json
import os
import struct
import zlib

import warnings

import numpy as np
from PIL import Image

warnings.filterwarnings("ignore", "Palette images with Transparency")  # PIL's advice to convert to RGBA

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "hostile")


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(pixels, color_type, depth, extra=b"", rows=None, size=None):
    """A PNG written by hand (PIL cannot write 16-bit colour, tRNS on gray...)."""
    pixels = np.asarray(pixels)
    h, w = size or pixels.shape[:2]
    if rows is None:
        if depth >= 8:
            raw = pixels.astype(">u2" if depth == 16 else "u1").tobytes()
            rows = [raw[y * len(raw) // h:(y + 1) * len(raw) // h] for y in range(h)]
        else:
            rows = []
            for y in range(h):
                bits = "".join(format(int(v), "0%db" % depth) for v in pixels[y])
                bits += "0" * (-len(bits) % 8)
                rows.append(int(bits, 2).to_bytes(len(bits) // 8, "big"))
    data = b"".join(b"\0" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", zlib.compress(data, 9)) +
            chunk(b"IEND", b""))


def adam7_rows(pixels, depth):
    """Scanlines of the 7 Adam7 passes (8-bit or 16-bit samples), pass by pass."""
    rows = []
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
                           (0, 1, 1, 2)]:
        sub = pixels[y0::dy, x0::dx]
        if sub.size:
            raw = sub.astype(">u2" if depth == 16 else "u1")
            rows += [raw[y].tobytes() for y in range(raw.shape[0])]
    return rows


def interlaced(pixels, color_type, depth):
    data = png(pixels, color_type, depth, rows=adam7_rows(np.asarray(pixels), depth))
    at = data.index(b"IHDR") + 4
    ihdr = data[at:at + 12] + b"\1"  # interlace method 1 (Adam7)
    return data[:at - 8] + chunk(b"IHDR", ihdr) + data[at + 17:]


def png_cases():
    rng = np.random.default_rng(11)
    v16 = rng.integers(0, 65536, (3, 4))
    v16[0, :4] = [0x4000, 0x00FF, 0x0100, 0xFFFF]  # the 0x4000; values around 255
    a16 = rng.integers(0, 65536, (3, 4))
    v8 = rng.integers(0, 256, (3, 4, 4))
    a8 = v8[..., 3].copy()
    a8[0, :2] = [0, 255]
    palette = struct.pack("B" * 12, 255, 0, 0, 0, 255, 0, 10, 20, 30, 200, 100, 50)
    idx = rng.integers(0, 4, (3, 4))
    return {
        "png_rgb16": png(np.stack([v16, v16 // 2, v16 // 3], -1), 2, 16),
        "png_rgba16": png(np.stack([v16, v16 // 2, v16 // 3, a16], -1), 6, 16),
        "png_gray16": png(v16, 0, 16),
        "png_la16": png(np.stack([v16, a16], -1), 4, 16),
        "png_gray16_trns": png(v16, 0, 16, chunk(b"tRNS", struct.pack(">H", int(v16[1, 1])))),
        "png_rgb16_trns": png(np.stack([v16, v16, v16], -1), 2, 16,
                              chunk(b"tRNS", struct.pack(">HHH", *[int(v16[0, 0])] * 3))),
        "png_rgba8": png(np.dstack([v8[..., :3], a8]), 6, 8),
        "png_la8": png(np.stack([v8[..., 0], a8], -1), 4, 8),
        "png_rgb8_trns": png(v8[..., :3], 2, 8, chunk(b"tRNS", struct.pack(">HHH", *map(int, v8[0, 0, :3])))),
        "png_gray8_trns": png(v8[..., 0], 0, 8, chunk(b"tRNS", struct.pack(">H", int(v8[0, 0, 0])))),
        "png_palette_trns": png(idx, 3, 8, chunk(b"PLTE", palette) + chunk(b"tRNS", bytes([0, 128, 255]))),
        "png_palette2": png(idx, 3, 2, chunk(b"PLTE", palette)),
        "png_gray1": png(idx % 2, 0, 1),
        "png_gray2": png(idx, 0, 2),
        "png_gray4": png(idx * 5, 0, 4),
        "png_rgb8_gamma": png(v8[..., :3], 2, 8, chunk(b"gAMA", struct.pack(">I", 100000))),
        "png_rgb8_interlaced": interlaced(rng.integers(0, 256, (11, 9, 3)), 2, 8),
        "png_gray16_interlaced": interlaced(rng.integers(0, 600, (10, 13)), 0, 16),
    }


def progressive_jpeg(side):
    buf = io.BytesIO()
    img = np.random.default_rng(3).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    Image.fromarray(img).save(buf, "JPEG", quality=50, progressive=True)
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc2")
    struct.pack_into(">HH", data, sof + 5, side, side)  # height, width
    return bytes(data)


def many_scans_jpeg(ac_scans_per_pass=63):
    """An 8x8 gray progressive JPEG of flat grey (every coefficient zero) with
    1 + 63 + 1 + 63 = 128 legal scans: DC and each AC coefficient coded first
    at Al=1, then refined. A one-symbol Huffman table makes each scan one bit."""
    out = b"\xff\xd8"
    out += b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    out += b"\xff\xc2" + struct.pack(">HBHHB", 11, 8, 8, 8, 1) + bytes([1, 0x11, 0])
    one_symbol = bytes([1] + [0] * 15) + b"\x00"
    out += b"\xff\xc4" + struct.pack(">H", 2 + 2 * (1 + 17)) + b"\x00" + one_symbol + b"\x10" + one_symbol

    def scan(ss, se, ah, al, bits=b"\x7f"):
        return b"\xff\xda" + struct.pack(">HB", 8, 1) + bytes([1, 0x00, ss, se, ah << 4 | al]) + bits

    out += scan(0, 0, 0, 1)
    for k in range(1, 1 + ac_scans_per_pass):
        out += scan(k, k, 0, 1)
    out += scan(0, 0, 1, 0)
    for k in range(1, 1 + ac_scans_per_pass):
        out += scan(k, k, 1, 0)
    return out + b"\xff\xd9"


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    for name, data in png_cases().items():
        with open(os.path.join(OUT, name + ".png"), "wb") as f:
            f.write(data)
        im = Image.open(io.BytesIO(data))
        expected[name] = {"pil_mode": im.mode,
                          "rgb": np.asarray(im.convert("RGB")).ravel().tolist(),
                          "l": np.asarray(im.convert("L")).ravel().tolist()}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=0)
        f.write("\n")

    def write(name, data):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)

    # Declared sizes: 16000x16000 (past the pixel cap) and 8000x8000 (within it:
    # the data runs out after 16x16 pixels, which libjpeg would fill with grey).
    write("bomb_progressive_16000.jpg", progressive_jpeg(16000))
    write("bomb_progressive_8000.jpg", progressive_jpeg(8000))
    # 16384x16384 1-bit gray: 33 KB of IDAT inflating to 268 Mpixel.
    side = 16384
    rows = [bytes(side // 8)] * side
    write("bomb_idat_16384.png", png(None, 0, 1, rows=rows, size=(side, side)))
    write("jpeg_many_scans.jpg", many_scans_jpeg())
    write("jpeg_ok_scans.jpg", many_scans_jpeg(ac_scans_per_pass=40))  # 82 scans: allowed
    photo = open(os.path.join(OUT, "..", "images", "photo_300x200.jpg"), "rb").read()
    write("jpeg_truncated_half.jpg", photo[:len(photo) // 2])
    sos = photo.index(b"\xff\xda")
    bad = bytearray(photo)
    bad[sos + 2000:sos + 2004] = b"\xff\xd3\xff\xd3"  # stray restart markers in the entropy data
    write("jpeg_corrupt_data.jpg", bytes(bad))


if __name__ == "__main__":
    main()
