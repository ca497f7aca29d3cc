"""Per-view watermark (PRODUCT I6): every rendering of an image names who saw it, when, and which
view it was, so a leaked copy can be traced and two viewers never receive the same bytes.

The text block (viewer code, UTC time, view id) is rendered once per view, turned 30 degrees and
laid in offset rows over the whole image semi-transparently: white letters with a dark outline
stay legible on light and dark areas, and no crop of useful size avoids them. The outline is the
letters grown by a few pixels (one plain text rendering instead of FreeType's much slower
stroker), and the one turned block is pasted wherever it touches the image: a view costs one
rendering and one small rotation, not one of each per block.

Output is JPEG (quality 88, no chroma subsampling so the lettering stays sharp): a fresh image
without any metadata, small and quick to encode on every view. Generation loss does not
accumulate because every view starts again from the stored lossless original.
"""

from __future__ import annotations

import functools
import io
import math
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image, ImageChops, ImageDraw, ImageFont

OUTPUT_FORMAT = "JPEG"
OUTPUT_MIME_TYPE = "image/jpeg"
ANGLE_DEGREES = 30
OPACITY = 0.4
JPEG_QUALITY = 88

EXERCISE_LINE = "OEFENING - EXERCISE"  # both languages: a copy may travel
_LABEL = re.compile(r"[\x21-\x7e]{1,40}")  # printable ASCII without spaces: legible, one line


def new_view_id() -> str:
    """A random id for one view, to show in the watermark and to record in the audit entry."""
    return secrets.token_hex(8)


def watermark_text(
    *, viewer_code: str, viewed_at: datetime, view_id: str, exercise: bool = False
) -> str:
    """The three lines written on the image (four for an exercise, which says so first)."""
    for name, value in (("viewer_code", viewer_code), ("view_id", view_id)):
        if not isinstance(value, str) or not _LABEL.fullmatch(value):
            raise ValueError(f"{name} must be 1-40 printable ASCII characters without spaces")
    if viewed_at.tzinfo is None:
        raise ValueError("viewed_at must be timezone-aware")
    moment = viewed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = f"{viewer_code}\n{moment}\n{view_id}"
    return f"{EXERCISE_LINE}\n{lines}" if exercise else lines


def watermark(
    image_bytes: bytes,
    *,
    viewer_code: str,
    viewed_at: datetime,
    view_id: str,
    exercise: bool = False,
) -> bytes:
    """The image (as stored: PNG, JPEG or WebP) with the view's watermark, as JPEG bytes."""
    text = watermark_text(
        viewer_code=viewer_code, viewed_at=viewed_at, view_id=view_id, exercise=exercise
    )
    with Image.open(io.BytesIO(image_bytes), formats=["PNG", "JPEG", "WEBP"]) as source:
        source.load()
        fresh = Image.new("RGB", source.size)  # no info carried over: nothing but pixels
        fresh.paste(source if source.mode == "RGB" else source.convert("RGB"))
    _stamp(fresh, text)
    output = io.BytesIO()
    fresh.save(output, format=OUTPUT_FORMAT, quality=JPEG_QUALITY, subsampling=0)
    return output.getvalue()


@dataclass(frozen=True, slots=True)
class _Tile:
    """The text block of one view, turned: its colour and its (already faded) opacity."""

    colour: Image.Image  # RGB: white letters, black outline
    alpha: Image.Image  # L: where the block covers the image, times OPACITY
    step_x: int  # the spacing of the blocks along a row and between rows, before turning
    step_y: int


def _stamp(image: Image.Image, text: str) -> None:
    """Lay the turned text block over ``image`` in offset rows that leave no part uncovered."""
    width, height = image.size
    tile = _tile(text, _font_size(width, height))
    angle = math.radians(ANGLE_DEGREES)
    cos, sin = math.cos(angle), math.sin(angle)
    # The rows run along (cos, -sin) (turned counter-clockwise, y pointing down), one row to the
    # next along (sin, cos); every other row is shifted by half a step.
    along, across = (cos, -sin), (sin, cos)
    half_w, half_h = tile.colour.width / 2, tile.colour.height / 2
    reach = math.hypot(width, height) / 2 + math.hypot(half_w, half_h)
    columns = math.ceil(reach / tile.step_x) + 1
    rows = math.ceil(reach / tile.step_y) + 1
    for row in range(-rows, rows + 1):
        shift = (row % 2) * tile.step_x / 2
        for column in range(-columns, columns + 1):
            offset = column * tile.step_x + shift
            x = width / 2 + offset * along[0] + row * tile.step_y * across[0] - half_w
            y = height / 2 + offset * along[1] + row * tile.step_y * across[1] - half_h
            if x < width and y < height and x + 2 * half_w > 0 and y + 2 * half_h > 0:
                image.paste(tile.colour, (round(x), round(y)), tile.alpha)


def _font_size(width: int, height: int) -> int:
    return min(72, max(12, round(min(width, height) / 24)))


@functools.lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)  # type: ignore[return-value]


def _tile(text: str, font_size: int) -> _Tile:
    """Render the text once (no stroke: the outline is the letters grown by ``stroke``), turn."""
    font = _font(font_size)
    stroke = max(1, font_size // 14)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = probe.multiline_textbbox((0, 0), text, font=font, align="center")
    margin = stroke + 1
    size = (math.ceil(right - left) + 2 * margin, math.ceil(bottom - top) + 2 * margin)
    letters = Image.new("L", size)
    ImageDraw.Draw(letters).multiline_text(
        (margin - left, margin - top), text, font=font, fill=255, align="center"
    )
    outline = letters.copy()
    for dx in range(-stroke, stroke + 1):
        for dy in range(-stroke, stroke + 1):
            if (dx or dy) and dx * dx + dy * dy <= stroke * stroke + stroke:
                outline = ImageChops.lighter(outline, ImageChops.offset(letters, dx, dy))
    turned = Image.merge("LA", (letters, outline)).rotate(  # both in one pass
        ANGLE_DEGREES, resample=Image.Resampling.BILINEAR, expand=True
    )
    colour, alpha = turned.getchannel("L"), turned.getchannel("A").point(_FADE)
    return _Tile(
        colour=Image.merge("RGB", (colour, colour, colour)),
        alpha=alpha,
        step_x=size[0] + 2 * font_size,
        step_y=size[1] + font_size,
    )


_FADE = [round(alpha * OPACITY) for alpha in range(256)]
