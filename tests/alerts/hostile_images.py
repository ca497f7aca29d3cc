"""Hostile and awkward image files for the intake tests, all synthetic and built in memory."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from PIL import ExifTags, Image, ImageCms

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TRAILER = b"TRAILING-BYTES-lat52.3702-lon4.8952"
COMMENT = b"secret-comment-case-2026-0042"
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-xmp-packet</x:xmpmeta>'


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    output = io.BytesIO()
    image.save(output, format=fmt, **options)
    return output.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int, rows_per_block: int = 1000) -> bytes:
    """A complete, valid 1-bit greyscale PNG of zeros, built without allocating its pixels.

    The deflate stream repeats one block of ``rows_per_block`` zero rows: after a full flush a
    compressor starts afresh, so its output for the same input is the same bytes every time.
    Adler-32 of ``n`` zero bytes is ``(n % 65521) << 16 | 1``.
    """
    row = bytes(1 + (width + 7) // 8)  # filter byte + packed pixels
    blocks, rest = divmod(height, rows_per_block)
    compressor = zlib.compressobj(9)
    stream = compressor.compress(row * rows_per_block) + compressor.flush(zlib.Z_FULL_FLUSH)
    header, block = stream[:2], stream[2:]
    tail = compressor.compress(row * rest) + compressor.flush(zlib.Z_FULL_FLUSH) if rest else b""
    adler = ((len(row) * height) % 65521) << 16 | 1
    idat = header + block * blocks + tail + b"\x03\x00" + struct.pack(">I", adler)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def webp_lossless_header(width: int, height: int) -> bytes:
    """A WebP whose VP8L header claims ``width`` x ``height``, followed by no real image data."""
    bits = (width - 1) | (height - 1) << 14
    payload = b"\x2f" + struct.pack("<I", bits) + bytes(27)
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def photo(
    size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (200, 40, 40)
) -> Image.Image:
    return Image.new("RGB", size, colour)


def jpeg_with_metadata() -> bytes:
    """A JPEG with EXIF (camera, GPS position), ICC profile, XMP, a comment and trailing bytes."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 42.7)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(photo(), "JPEG", exif=exif, icc_profile=icc, comment=COMMENT, xmp=XMP)
    return data + TRAILER


def jpeg_with_orientation(orientation: int) -> bytes:
    """A 60x20 JPEG, red on the left and blue on the right, with an EXIF orientation tag."""
    image = photo((60, 20), (220, 0, 0))
    image.paste((0, 0, 220), (30, 0, 60, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    return encode(image, "JPEG", exif=exif, quality=95)


def animated(fmt: str) -> bytes:
    frames = [photo(colour=(255, 0, 0)), photo(colour=(0, 0, 255))]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def mpo() -> bytes:
    """A multi-picture JPEG (as phone cameras write): primary red, second image blue."""
    return encode(
        photo(colour=(255, 0, 0)), "MPO", save_all=True, append_images=[photo(colour=(0, 0, 255))]
    )


def jpeg_with_many_scans(repeats: int) -> bytes:
    """A progressive JPEG whose last scan is repeated: the classic CPU-exhaustion shape."""
    data = encode(Image.effect_noise((64, 64), 40).convert("RGB"), "JPEG", progressive=True)
    last_scan = data[data.rindex(b"\xff\xda") : -2]
    return data[:-2] + last_scan * repeats + b"\xff\xd9"


def disguised_non_images() -> dict[str, bytes]:
    """Files that are not JPEG, PNG or WebP, whatever name they are uploaded under."""
    small = photo((8, 8))
    return {
        "text": b"Dit is geen afbeelding.\n",
        "html": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "gif": encode(small, "GIF"),
        "bmp": encode(small, "BMP"),
        "tiff": encode(small, "TIFF"),
        "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n",
        "riff-not-webp": b"RIFF\x10\x00\x00\x00WAVEfmt " + bytes(8),
    }
