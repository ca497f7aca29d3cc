"""Per-view watermark (PRODUCT I6): every rendering of an image names who saw it, when, and which
view it was, so a leaked copy can be traced and two viewers never receive the same bytes.

The text block (viewer code, UTC time, view id) is tiled in offset rows over a layer larger than
the image, turned 30 degrees and laid over the whole image semi-transparently: white letters with
a dark outline stay legible on light and dark areas, and no crop of useful size avoids them.

Output is JPEG (quality 88, no chroma subsampling so the lettering stays sharp): a fresh image
without any metadata, small and quick to encode on every view. Generation loss does not
accumulate because every view starts again from the stored lossless original.
"""

from __future__ import annotations

import io
import math
import re
import secrets
from datetime import UTC, datetime

from PIL import Image, ImageDraw, ImageFont

OUTPUT_FORMAT = "JPEG"
OUTPUT_MIME_TYPE = "image/jpeg"
ANGLE_DEGREES = 30
OPACITY = 0.4
JPEG_QUALITY = 88

_LABEL = re.compile(r"[\x21-\x7e]{1,40}")  # printable ASCII without spaces: legible, one line


def new_view_id() -> str:
    """A random id for one view, to show in the watermark and to record in the audit entry."""
    return secrets.token_hex(8)


def watermark_text(*, viewer_code: str, viewed_at: datetime, view_id: str) -> str:
    """The three lines written on the image."""
    for name, value in (("viewer_code", viewer_code), ("view_id", view_id)):
        if not isinstance(value, str) or not _LABEL.fullmatch(value):
            raise ValueError(f"{name} must be 1-40 printable ASCII characters without spaces")
    if viewed_at.tzinfo is None:
        raise ValueError("viewed_at must be timezone-aware")
    moment = viewed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{viewer_code}\n{moment}\n{view_id}"


def watermark(image_bytes: bytes, *, viewer_code: str, viewed_at: datetime, view_id: str) -> bytes:
    """The image (as stored: PNG, JPEG or WebP) with the view's watermark, as JPEG bytes."""
    text = watermark_text(viewer_code=viewer_code, viewed_at=viewed_at, view_id=view_id)
    with Image.open(io.BytesIO(image_bytes), formats=["PNG", "JPEG", "WEBP"]) as source:
        base = source.convert("RGBA")
    marked = Image.alpha_composite(base, _text_layer(base.size, text))
    fresh = Image.new("RGB", marked.size)  # no info carried over: nothing but pixels is written
    fresh.paste(marked.convert("RGB"))
    output = io.BytesIO()
    fresh.save(output, format=OUTPUT_FORMAT, quality=JPEG_QUALITY, subsampling=0)
    return output.getvalue()


def _text_layer(size: tuple[int, int], text: str) -> Image.Image:
    """A transparent layer of ``size`` covered with the text block in turned, offset rows."""
    width, height = size
    font_size = min(72, max(12, round(min(width, height) / 24)))
    font = ImageFont.load_default(size=font_size)
    stroke = max(1, font_size // 14)
    side = math.ceil(math.hypot(width, height))  # any rotation of this square covers the image
    layer = Image.new("RGBA", (side, side))
    draw = ImageDraw.Draw(layer)
    left, top, right, bottom = draw.multiline_textbbox(
        (0, 0), text, font=font, stroke_width=stroke, align="center"
    )
    step_x = math.ceil(right - left) + 2 * font_size
    step_y = math.ceil(bottom - top) + font_size
    for row, y in enumerate(range(-step_y, side, step_y)):
        for x in range(-step_x + (row % 2) * step_x // 2, side, step_x):
            draw.multiline_text(
                (x, y),
                text,
                font=font,
                fill=(255, 255, 255, 255),
                stroke_width=stroke,
                stroke_fill=(0, 0, 0, 255),
                align="center",
            )
    layer = layer.transform(
        size, Image.Transform.AFFINE, _turn(size, side), resample=Image.Resampling.BILINEAR
    )
    layer.putalpha(layer.getchannel("A").point(lambda alpha: round(alpha * OPACITY)))
    return layer


def _turn(size: tuple[int, int], side: int) -> tuple[float, ...]:
    """The affine map from the image to the centre of the square layer, turned by the angle.

    The same as ``rotate`` followed by a centred crop, without computing the cropped-off part.
    """
    width, height = size
    angle = math.radians(ANGLE_DEGREES)
    cos, sin = math.cos(angle), math.sin(angle)
    return (
        cos,
        -sin,
        side / 2 - cos * width / 2 + sin * height / 2,
        sin,
        cos,
        side / 2 - sin * width / 2 - cos * height / 2,
    )
