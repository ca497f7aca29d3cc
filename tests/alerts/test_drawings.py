"""Synthetic demo drawings: deterministic, varied by seed, real images of the requested size."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from schoolalert.demo.drawings import DRAWINGS, clothing, face, teddy_bear


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_one_drawing_per_image_kind():
    assert DRAWINGS["face"] is face
    assert DRAWINGS["clothing"] is clothing
    assert DRAWINGS["object"] is teddy_bear
    assert len(DRAWINGS) == 3


@pytest.mark.parametrize("kind", sorted(DRAWINGS))
def test_drawings_are_deterministic_and_vary_by_seed(kind):
    draw = DRAWINGS[kind]
    assert draw(seed=3) == draw(seed=3)
    assert len({draw(seed=seed) for seed in range(6)}) > 1


@pytest.mark.parametrize("kind", sorted(DRAWINGS))
@pytest.mark.parametrize("size", [64, 333, 800])
def test_drawings_are_png_images_of_the_requested_size(kind, size):
    image = opened(DRAWINGS[kind](size=size))
    assert image.format == "PNG"
    assert image.size == (size, size)
    assert (
        len(image.convert("RGB").getcolors(maxcolors=100_000)) >= 4
    )  # a drawing, not a blank canvas


def test_the_kinds_look_different():
    images = [opened(draw(size=200)).convert("RGB").tobytes() for draw in DRAWINGS.values()]
    assert len(set(images)) == len(images)


def test_too_small_a_size_is_refused():
    with pytest.raises(ValueError, match="at least"):
        face(size=63)
