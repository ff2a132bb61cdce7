"""Reads a PNG with the standard library and prints JSON facts about it, for tests that assert on a
rendered page without a stored image: its size, how many pixels are not near-white, and how many
are close to each colour given as RRGGBB arguments.

Usage: png_stats.py FILE [RRGGBB ...]
"""
import json
import struct
import sys
import zlib


def read_png(path):
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    offset, idat = 8, b""
    width = height = depth = colour = None
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        chunk = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    if depth != 8 or colour not in (2, 6):
        raise SystemExit(f"{path}: only 8-bit RGB or RGBA PNGs are read (depth {depth}, colour type {colour})")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous, position = [], bytearray(stride), 0
    for _ in range(height):
        kind = raw[position]
        line = bytearray(raw[position + 1:position + 1 + stride])
        position += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(line)
        previous = line
    return width, height, channels, rows


def main():
    path, colours = sys.argv[1], sys.argv[2:]
    width, height, channels, rows = read_png(path)
    targets = [tuple(int(c[i:i + 2], 16) for i in (0, 2, 4)) for c in colours]
    non_white, near = 0, [0] * len(targets)
    for line in rows:
        for x in range(width):
            r, g, b = line[x * channels:x * channels + 3]
            if r < 240 or g < 240 or b < 240:
                non_white += 1
            for index, (tr, tg, tb) in enumerate(targets):
                if abs(r - tr) < 40 and abs(g - tg) < 40 and abs(b - tb) < 40:
                    near[index] += 1
    print(json.dumps({"width": width, "height": height, "non_white": non_white, "near": dict(zip(colours, near))}))


if __name__ == "__main__":
    main()
