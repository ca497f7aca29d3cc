"""Synthetic demo and test images, drawn with Pillow from simple shapes.

One drawing per image kind of an alert (``face``, ``clothing``, ``object``). The same kind, seed
and size always give the same PNG bytes; the seed varies colours and details.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable

from PIL import Image, ImageDraw

Colour = tuple[int, int, int]

SKIN_TONES: tuple[Colour, ...] = ((255, 219, 172), (241, 194, 125), (198, 134, 66), (141, 85, 36))
HAIR_COLOURS: tuple[Colour, ...] = ((40, 30, 20), (110, 70, 30), (220, 180, 90), (170, 60, 20))
BRIGHT_COLOURS: tuple[Colour, ...] = (
    (220, 50, 50),
    (40, 110, 200),
    (30, 150, 80),
    (240, 190, 30),
    (150, 60, 170),
    (240, 120, 30),
)


def face(*, seed: int = 0, size: int = 512) -> bytes:
    """A cartoon child's face: hair, eyes, eyebrows, nose, smile, cheeks."""
    rng = random.Random(seed)  # noqa: S311 (drawing variation, not security)
    image, draw, unit, line = _canvas(size, (235, 240, 245))
    skin, hair = rng.choice(SKIN_TONES), rng.choice(HAIR_COLOURS)
    draw.ellipse(_box(unit, 20, 12, 80, 70), fill=hair)  # hair behind the head
    draw.ellipse(_box(unit, 14, 42, 24, 58), fill=skin, outline=(0, 0, 0), width=line)  # ears
    draw.ellipse(_box(unit, 76, 42, 86, 58), fill=skin, outline=(0, 0, 0), width=line)
    draw.ellipse(_box(unit, 20, 20, 80, 88), fill=skin, outline=(0, 0, 0), width=line)
    fringe = rng.randint(22, 27)
    draw.chord(_box(unit, 20, 14, 80, 2 * fringe), 180, 360, fill=hair)
    iris = rng.choice(((70, 110, 160), (90, 60, 30), (60, 120, 70)))
    for centre in (38, 62):
        draw.ellipse(_box(unit, centre - 6, 44, centre + 6, 54), fill=(255, 255, 255))
        draw.ellipse(_box(unit, centre - 3, 46, centre + 3, 52), fill=iris)
        draw.ellipse(_box(unit, centre - 1, 48, centre + 1, 50), fill=(0, 0, 0))
        draw.line(_box(unit, centre - 7, 40, centre + 6, 38), fill=hair, width=2 * line)
    draw.line(_box(unit, 50, 54, 47, 64), fill=(0, 0, 0), width=line)
    draw.line(_box(unit, 47, 64, 52, 64), fill=(0, 0, 0), width=line)
    draw.arc(_box(unit, 38, 62, 62, 78), 20, 160, fill=(150, 40, 40), width=2 * line)
    for centre in (32, 68):
        draw.ellipse(_box(unit, centre - 5, 62, centre + 5, 68), fill=(240, 150, 150))
    return _png(image)


def clothing(*, seed: int = 0, size: int = 512) -> bytes:
    """A striped T-shirt with a star print on the chest."""
    rng = random.Random(seed)  # noqa: S311 (drawing variation, not security)
    image, draw, unit, line = _canvas(size, (245, 245, 240))
    base, stripe, star = rng.sample(BRIGHT_COLOURS, 3)
    outline = [(35, 15), (43, 12), (50, 17), (57, 12), (65, 15), (88, 30), (80, 42), (72, 37)]
    outline += [(72, 88), (28, 88), (28, 37), (20, 42), (12, 30)]
    shirt = [(x * unit, y * unit) for x, y in outline]
    draw.polygon(shirt, fill=base)
    mask = Image.new("L", image.size)
    ImageDraw.Draw(mask).polygon(shirt, fill=255)
    stripes = Image.new("RGB", image.size, base)
    stripe_draw = ImageDraw.Draw(stripes)
    period = rng.choice((8, 10, 12))
    for top in range(20, 90, period):
        stripe_draw.rectangle(_box(unit, 0, top, 100, top + period // 2), fill=stripe)
    image.paste(stripes, mask=mask)
    draw.polygon(shirt, outline=(0, 0, 0), width=line)
    draw.arc(_box(unit, 43, 8, 57, 22), 0, 180, fill=(0, 0, 0), width=line)
    points = [
        (50 + radius * math.sin(step * math.pi / 5), 52 - radius * math.cos(step * math.pi / 5))
        for step, radius in enumerate([12, 5] * 5)
    ]
    draw.polygon([(x * unit, y * unit) for x, y in points], fill=star, outline=(0, 0, 0))
    return _png(image)


def teddy_bear(*, seed: int = 0, size: int = 512) -> bytes:
    """A teddy bear with a bow tie (the ``object`` kind)."""
    rng = random.Random(seed)  # noqa: S311 (drawing variation, not security)
    image, draw, unit, line = _canvas(size, (230, 238, 230))
    fur = rng.choice(((160, 110, 60), (200, 160, 110), (120, 80, 50), (230, 225, 215)))
    light = tuple(min(255, channel + 50) for channel in fur)
    dark = (0, 0, 0)
    for box in ((18, 10, 36, 28), (64, 10, 82, 28)):  # ears
        draw.ellipse(_box(unit, *box), fill=fur, outline=dark, width=line)
    draw.ellipse(_box(unit, 25, 50, 75, 95), fill=fur, outline=dark, width=line)  # body
    draw.ellipse(_box(unit, 36, 62, 64, 88), fill=light)  # belly
    for box in ((10, 55, 30, 75), (70, 55, 90, 75), (22, 82, 42, 98), (58, 82, 78, 98)):
        draw.ellipse(_box(unit, *box), fill=fur, outline=dark, width=line)  # paws
    draw.ellipse(_box(unit, 22, 14, 78, 62), fill=fur, outline=dark, width=line)  # head
    draw.ellipse(_box(unit, 38, 38, 62, 58), fill=light)  # snout
    draw.ellipse(_box(unit, 46, 40, 54, 46), fill=dark)  # nose
    draw.arc(_box(unit, 43, 44, 57, 54), 20, 160, fill=dark, width=line)
    for centre in (38, 62):
        draw.ellipse(_box(unit, centre - 3, 30, centre + 3, 36), fill=dark)
    bow = rng.choice(BRIGHT_COLOURS)
    draw.polygon([(p * unit, q * unit) for p, q in ((40, 58), (50, 63), (40, 68))], fill=bow)
    draw.polygon([(p * unit, q * unit) for p, q in ((60, 58), (50, 63), (60, 68))], fill=bow)
    draw.ellipse(_box(unit, 47, 60, 53, 66), fill=bow, outline=dark)
    return _png(image)


DRAWINGS: dict[str, Callable[..., bytes]] = {
    "face": face,
    "clothing": clothing,
    "object": teddy_bear,
}


def _canvas(size: int, background: Colour) -> tuple[Image.Image, ImageDraw.ImageDraw, float, int]:
    """A square canvas drawn in hundredths of its side (``unit`` pixels), with the line width."""
    if size < 64:
        raise ValueError("size must be at least 64 pixels")
    image = Image.new("RGB", (size, size), background)
    return image, ImageDraw.Draw(image), size / 100, max(1, round(size / 200))


def _box(unit: float, *coordinates: float) -> tuple[float, ...]:
    return tuple(value * unit for value in coordinates)


def _png(image: Image.Image) -> bytes:
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()
