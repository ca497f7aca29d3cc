"""The per-view watermark (PRODUCT I6)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import Image, ImageChops

from schoolalert.alerts.images import sanitize_image
from schoolalert.alerts.watermark import (
    OUTPUT_MIME_TYPE,
    new_view_id,
    watermark,
    watermark_text,
)
from schoolalert.demo.drawings import DRAWINGS
from tests.alerts import hostile_images as hostile

VIEWED_AT = datetime(2026, 11, 28, 9, 15, 42, tzinfo=UTC)
GREY = (128, 128, 128)


def stored(image: Image.Image) -> bytes:
    """An image as the intake stores it."""
    return sanitize_image(
        hostile.encode(image, "PNG"), max_bytes=10_000_000, max_pixels=10_000_000
    ).data


def mark(data: bytes, viewer: str = "S-000042", view_id: str = "a1b2c3d4e5f60718") -> bytes:
    return watermark(data, viewer_code=viewer, viewed_at=VIEWED_AT, view_id=view_id)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def changed_share(original: Image.Image, marked: Image.Image) -> float:
    """The share of pixels that the watermark visibly changed (beyond JPEG noise)."""
    difference = ImageChops.difference(original.convert("RGB"), marked.convert("RGB")).convert("L")
    changed = sum(difference.point(lambda value: 255 if value > 24 else 0).histogram()[255:])
    return changed / (original.width * original.height)


def test_two_viewers_and_two_views_never_get_the_same_bytes():
    data = stored(Image.new("RGB", (300, 200), GREY))
    renderings = {
        mark(data, viewer="S-000042"),
        mark(data, viewer="S-000043"),
        mark(data, view_id="a1b2c3d4e5f60719"),
        watermark(data, viewer_code="S-000042", viewed_at=VIEWED_AT + timedelta(seconds=1),
                  view_id="a1b2c3d4e5f60718"),
    }  # fmt: skip
    assert len(renderings) == 4


@pytest.mark.parametrize("colour", [GREY, (255, 255, 255), (0, 0, 0)])
def test_the_text_covers_every_quadrant(colour):
    original = Image.new("RGB", (400, 300), colour)
    marked = opened(mark(stored(original)))
    assert marked.size == original.size
    for left in (0, 200):
        for top in (0, 150):
            box = (left, top, left + 200, top + 150)
            share = changed_share(original.crop(box), marked.crop(box))
            assert 0.03 < share < 0.6, (box, share)  # visibly marked, yet the image stays visible


def test_the_image_stays_recognisable_under_the_text():
    original = opened(DRAWINGS["face"](size=400))
    marked = opened(mark(stored(original)))
    difference = ImageChops.difference(original.convert("RGB"), marked).convert("L")
    assert sum(i * n for i, n in enumerate(difference.histogram())) / (400 * 400) < 40


def test_the_output_is_a_fresh_jpeg_without_metadata():
    output = mark(hostile.jpeg_with_metadata())
    image = opened(output)
    assert image.format == "JPEG"
    assert OUTPUT_MIME_TYPE == "image/jpeg"
    assert not {"exif", "icc_profile", "comment", "xmp"} & image.info.keys()
    for secret in (hostile.TRAILER, hostile.COMMENT, b"SecretCam"):
        assert secret not in output


def test_the_text_names_viewer_time_in_utc_and_view():
    amsterdam = timezone(timedelta(hours=1))
    text = watermark_text(
        viewer_code="S-000042",
        viewed_at=datetime(2026, 11, 28, 10, 15, 42, tzinfo=amsterdam),
        view_id="a1b2c3d4e5f60718",
    )
    assert text.splitlines() == ["S-000042", "2026-11-28 09:15:42 UTC", "a1b2c3d4e5f60718"]


@pytest.mark.parametrize(
    ("viewer", "view_id", "viewed_at"),
    [
        ("S 42", "v1", VIEWED_AT),
        ("S-42\nforged", "v1", VIEWED_AT),
        ("", "v1", VIEWED_AT),
        ("x" * 41, "v1", VIEWED_AT),
        ("S-42", "vïew", VIEWED_AT),
        ("S-42", "v1", datetime(2026, 11, 28, 9, 15)),  # naive
    ],
)
def test_unusable_labels_are_refused(viewer, view_id, viewed_at):
    with pytest.raises(ValueError, match=r"viewer_code|view_id|timezone"):
        watermark(b"", viewer_code=viewer, viewed_at=viewed_at, view_id=view_id)


def test_view_ids_are_random_and_usable():
    ids = {new_view_id() for _ in range(100)}
    assert len(ids) == 100
    for view_id in ids:
        watermark_text(viewer_code="S-1", viewed_at=VIEWED_AT, view_id=view_id)


@pytest.mark.parametrize("size", [(64, 64), (1000, 40), (40, 1000), (1500, 1000)])
def test_any_shape_is_marked(size):
    original = Image.new("RGB", size, GREY)
    marked = opened(mark(stored(original)))
    assert marked.size == size
    assert changed_share(original, marked) > 0.03
