"""Image intake: turn an untrusted upload into a clean, re-encoded image (PRODUCT I6, I7).

:func:`sanitize_image` takes the upload through these steps and refuses at the first failure
with :class:`ImageRejected`:

1. Read at most ``max_bytes + 1`` bytes, so a large body is never held in full (413).
2. Sniff the type from the magic numbers: JPEG, PNG and WebP only (415). The file name and the
   client's content type are never consulted.
3. Bound the pixel count from the header, before anything is decoded (422). Pillow opens JPEG
   and PNG lazily (header only); its WebP opener sets up the whole canvas at once, so WebP
   dimensions are read here from the first chunk first. Pillow's own decompression-bomb
   warning and error count as refusals too, so the effective limit is the smaller of
   ``max_pixels`` and ``PIL.Image.MAX_IMAGE_PIXELS`` (process-wide; left unchanged).
4. Refuse multi-frame images (animated PNG/WebP) (422). A JPEG with an MPF index (MPO: stereo
   pairs, HDR gain maps of phone cameras) is accepted; its primary image is the one kept.
5. Decode inside error handling: a truncated or corrupt file is a 422, never a 500.
6. Apply the EXIF orientation, flatten transparency on white, and copy the RGB pixels into a
   fresh image, optionally scaled down to ``max_edge``.
7. Encode that fresh image without any metadata and hash the result.

The output is PNG: lossless, so the stored image is exactly what was checked and later
watermarked renderings lose nothing further; deterministic, so the SHA-256 identifies the
pixels; and it carries only the chunks Pillow writes for pixels (no EXIF, GPS, XMP, ICC, text
or time). The ICC profile is dropped rather than applied: interpreting hostile profiles is
attack surface, and a small colour shift does not hinder recognition.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field
from enum import StrEnum
from typing import BinaryIO

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

OUTPUT_FORMAT = "PNG"
OUTPUT_MIME_TYPE = "image/png"

# A progressive JPEG is decoded once per scan; thousands of tiny scans make a small file cost
# minutes of CPU. Ordinary encoders write about ten. Counted as ``FF DA`` marker bytes, which
# entropy-coded data can never contain (an upper bound: embedded thumbnails count too).
MAX_JPEG_SCANS = 100

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_WEBP_ANIMATION_FLAG = 0x02


class Rejection(StrEnum):
    """Why an upload was refused; the value is the machine code of the API error."""

    TOO_LARGE = "too_large"
    UNSUPPORTED_TYPE = "unsupported_type"
    TOO_MANY_PIXELS = "too_many_pixels"
    ANIMATED = "animated"
    UNREADABLE = "unreadable"
    EMPTY = "empty"

    @property
    def status(self) -> int:
        """The HTTP status that answers this refusal."""
        return {Rejection.TOO_LARGE: 413, Rejection.UNSUPPORTED_TYPE: 415}.get(self, 422)


class ImageRejected(Exception):
    """An upload that is not accepted: ``status`` (HTTP), ``code`` and a translatable message."""

    def __init__(self, reason: Rejection, message: str | LazyString) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.message = message

    @property
    def code(self) -> str:
        return self.reason.value

    @property
    def status(self) -> int:
        return self.reason.status

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True, slots=True)
class SanitizedImage:
    """The re-encoded image: the only form of an upload that is ever kept."""

    data: bytes = field(repr=False)
    width: int
    height: int
    sha256: str  # hex digest of ``data``
    mime_type: str = OUTPUT_MIME_TYPE


def sanitize_image(
    source: bytes | BinaryIO,
    *,
    max_bytes: int,
    max_pixels: int,
    max_edge: int | None = None,
) -> SanitizedImage:
    """Check, decode and re-encode an upload (bytes or a binary stream such as a request file).

    ``max_edge`` scales the result down (never up) so that neither side exceeds it.
    Raises :class:`ImageRejected`; ``ValueError`` for non-positive limits.
    """
    if max_bytes <= 0 or max_pixels <= 0 or (max_edge is not None and max_edge <= 0):
        raise ValueError("limits must be positive")
    data = _read_bounded(source, max_bytes)
    if not data:
        raise ImageRejected(Rejection.EMPTY, _l("The file is empty."))
    kind = _sniff(data)
    if kind is None:
        raise ImageRejected(
            Rejection.UNSUPPORTED_TYPE,
            _l("This type of file is not accepted: upload a JPEG, PNG or WebP image."),
        )
    if kind == "WEBP":
        _check_webp_header(data, max_pixels)
    if kind == "JPEG" and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
        raise _unreadable()
    image = _open(data, kind, max_pixels)
    try:
        pixels = _clean_pixels(image, max_edge)
    except Exception as error:  # Pillow reports broken data with many exception types
        raise _unreadable() from error
    encoded = io.BytesIO()
    pixels.save(encoded, format=OUTPUT_FORMAT)
    output = encoded.getvalue()
    return SanitizedImage(
        data=output,
        width=pixels.width,
        height=pixels.height,
        sha256=hashlib.sha256(output).hexdigest(),
    )


def _read_bounded(source: bytes | BinaryIO, max_bytes: int) -> bytes:
    if isinstance(source, bytes | bytearray):
        data = bytes(source) if len(source) <= max_bytes else None
    else:
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0 and (chunk := source.read(remaining)):
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks) if remaining > 0 else None
    if data is None:
        raise ImageRejected(
            Rejection.TOO_LARGE,
            _l("The file is too large: the limit is %(limit)s.", limit=_size(max_bytes)),
        )
    return data


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size} bytes"
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0") + " MB"


def _sniff(data: bytes) -> str | None:
    """The Pillow format name from the magic numbers, for the allowed formats only."""
    if data.startswith(_JPEG_SIGNATURE):
        return "JPEG"
    if data.startswith(_PNG_SIGNATURE):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _check_webp_header(data: bytes, max_pixels: int) -> None:
    """Refuse a WebP by its first chunk (dimensions, animation flag) before libwebp sees it."""
    fourcc, payload = data[12:16], data[20:30]
    if fourcc == b"VP8X" and len(payload) == 10:  # extended: flags, 24-bit sizes minus one
        if payload[0] & _WEBP_ANIMATION_FLAG:
            raise _animated()
        width = 1 + int.from_bytes(payload[4:7], "little")
        height = 1 + int.from_bytes(payload[7:10], "little")
    elif fourcc == b"VP8L" and len(payload) >= 5 and payload[0] == 0x2F:  # lossless
        bits = int.from_bytes(payload[1:5], "little")
        width, height = 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    elif fourcc == b"VP8 " and len(payload) == 10 and payload[3:6] == b"\x9d\x01\x2a":  # lossy
        width = int.from_bytes(payload[6:8], "little") & 0x3FFF
        height = int.from_bytes(payload[8:10], "little") & 0x3FFF
    else:
        raise _unreadable()
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels)


def _open(data: bytes, kind: str, max_pixels: int) -> Image.Image:
    """Open the header only, with the sniffed format as the sole allowed one."""
    try:
        # catch_warnings is process-wide state; the pixel check below does not depend on it.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels(max_pixels) from error
    except Exception as error:  # UnidentifiedImageError, SyntaxError, struct.error, …
        raise _unreadable() from error
    if image.width * image.height > max_pixels:
        raise _too_many_pixels(max_pixels)
    if image.format != "MPO" and getattr(image, "n_frames", 1) > 1:
        raise _animated()
    return image


def _clean_pixels(image: Image.Image, max_edge: int | None) -> Image.Image:
    """Decode, orient, flatten on white and copy into a fresh RGB image without metadata."""
    image.load()
    image = ImageOps.exif_transpose(image)
    if image.mode.startswith("I"):  # 16-bit greyscale: scale to 8 bits instead of clipping
        image = image.point(lambda value: value / 256).convert("L")
    fresh = Image.new("RGB", image.size, "white")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        fresh.paste(rgba, mask=rgba.getchannel("A"))
    else:
        fresh.paste(image.convert("RGB"))
    if max_edge is not None:
        fresh.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    return fresh


def _too_many_pixels(max_pixels: int) -> ImageRejected:
    return ImageRejected(
        Rejection.TOO_MANY_PIXELS,
        _l(
            "The image has too many pixels: the limit is %(megapixels)s megapixels.",
            megapixels=f"{max_pixels / 1_000_000:.3g}",
        ),
    )


def _animated() -> ImageRejected:
    return ImageRejected(
        Rejection.ANIMATED, _l("Animated or multi-frame images are not accepted: upload a still.")
    )


def _unreadable() -> ImageRejected:
    return ImageRejected(
        Rejection.UNREADABLE,
        _l("The image could not be read: the file is damaged, incomplete or unusual."),
    )
