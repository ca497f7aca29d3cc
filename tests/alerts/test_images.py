"""Image intake: every refusal, and what survives of an accepted upload (PRODUCT I6, I7)."""

from __future__ import annotations

import hashlib
import io

import pytest
from flask_babel import LazyString
from PIL import Image, ImageFile
from werkzeug.datastructures import FileStorage

from schoolalert.alerts.images import (
    MAX_JPEG_SCANS,
    OUTPUT_MIME_TYPE,
    ImageRejected,
    Rejection,
    SanitizedImage,
    sanitize_image,
)
from schoolalert.demo.drawings import DRAWINGS
from tests.alerts import hostile_images as hostile

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_pixels": 25_000_000}


def sanitize(data, **limits) -> SanitizedImage:
    return sanitize_image(data, **{**LIMITS, **limits})


def rejected(data, **limits) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        sanitize(data, **limits)
    return caught.value


def decoded(result: SanitizedImage) -> Image.Image:
    image = Image.open(io.BytesIO(result.data))
    image.load()
    return image


@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if any pixel data is decoded (where Pillow allocates the image)."""

    def refuse(self):
        pytest.fail("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


# -- size of the upload -----------------------------------------------------------------------


def test_bytes_over_the_limit_are_413():
    error = rejected(b"\xff\xd8\xff" + bytes(2000), max_bytes=1000)
    assert (error.status, error.code, error.reason) == (413, "too_large", Rejection.TOO_LARGE)
    assert "1000 bytes" in str(error)


def test_a_stream_is_read_only_up_to_the_limit():
    stream = CountingStream(bytes(50 * 1024 * 1024))
    error = rejected(stream, max_bytes=2 * 1024 * 1024)
    assert error.status == 413
    assert "2 MB" in str(error)
    assert stream.bytes_read == 2 * 1024 * 1024 + 1


def test_exactly_the_limit_is_accepted():
    data = DRAWINGS["face"](size=100)
    assert sanitize(data, max_bytes=len(data)).width == 100
    assert rejected(data, max_bytes=len(data) - 1).status == 413


@pytest.mark.parametrize("data", [b"", io.BytesIO(b"")])
def test_an_empty_upload_is_422(data):
    error = rejected(data)
    assert (error.status, error.code) == (422, "empty")


# -- type, sniffed from the bytes -------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(hostile.disguised_non_images()))
def test_other_types_under_an_image_name_are_415(kind):
    upload = FileStorage(
        io.BytesIO(hostile.disguised_non_images()[kind]),
        filename="gezicht.png",
        content_type="image/png",
    )
    error = rejected(upload)
    assert (error.status, error.code) == (415, "unsupported_type")
    assert "JPEG, PNG or WebP" in str(error)


def test_the_allowed_formats_are_accepted_whatever_their_name():
    image = hostile.photo()
    for fmt in ("JPEG", "PNG", "WEBP"):
        upload = FileStorage(io.BytesIO(hostile.encode(image, fmt)), filename="x.gif")
        assert sanitize(upload).mime_type == OUTPUT_MIME_TYPE


# -- broken files -----------------------------------------------------------------------------


def broken_files() -> dict[str, bytes]:
    png = hostile.encode(Image.effect_noise((64, 64), 60).convert("RGB"), "PNG")
    jpeg = hostile.encode(Image.effect_noise((64, 64), 60).convert("RGB"), "JPEG")
    idat = png.index(b"IDAT") + 40
    return {
        "png-truncated": png[: len(png) // 2],
        "png-signature-only": hostile.PNG_SIGNATURE,
        "png-garbage-in-idat": png[:idat] + bytes(64) + png[idat + 64 :],
        "jpeg-truncated": jpeg[: len(jpeg) // 2],
        "jpeg-magic-then-html": b"\xff\xd8\xff\xe0<html><body>not a jpeg</body></html>",
        "webp-truncated": hostile.encode(hostile.photo(), "WEBP")[:40],
        "webp-unknown-chunk": b"RIFF\x20\x00\x00\x00WEBPJUNK" + bytes(24),
    }


@pytest.mark.parametrize("kind", sorted(broken_files()))
def test_truncated_or_corrupt_files_are_422(kind):
    error = rejected(broken_files()[kind])
    assert (error.status, error.code) == (422, "unreadable")
    assert "could not be read" in str(error)


def test_a_jpeg_with_very_many_scans_is_refused_before_decoding(no_decoding):
    error = rejected(hostile.jpeg_with_many_scans(MAX_JPEG_SCANS))
    assert (error.status, error.code) == (422, "unreadable")


def test_an_ordinary_progressive_jpeg_is_accepted():
    data = hostile.encode(hostile.photo(), "JPEG", progressive=True)
    assert 1 < data.count(b"\xff\xda") <= MAX_JPEG_SCANS
    assert sanitize(data).width == 64


# -- decompression bombs ----------------------------------------------------------------------


def test_the_bomb_helper_builds_a_genuine_png():
    image = decoded(sanitize(hostile.png_bomb(2000, 2500, rows_per_block=300)))
    assert image.size == (2000, 2500)
    assert image.getextrema() == ((0, 0), (0, 0), (0, 0))


@pytest.mark.parametrize(
    "size",
    [
        (30000, 30000),  # past Pillow's own error threshold
        (10000, 10000),  # between Pillow's warning and error thresholds
        (6000, 5000),  # under Pillow's thresholds, over ours
    ],
)
def test_a_decompression_bomb_is_refused_from_its_header(size, no_decoding, recwarn):
    bomb = hostile.png_bomb(*size)
    assert len(bomb) < 120_000
    error = rejected(bomb)
    assert (error.status, error.code) == (422, "too_many_pixels")
    assert "25 megapixels" in str(error)
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]


def test_a_huge_webp_is_refused_before_libwebp_sees_it(monkeypatch):
    def refuse(*args, **kwargs):
        pytest.fail("Pillow opened the file")

    monkeypatch.setattr(Image, "open", refuse)
    error = rejected(hostile.webp_lossless_header(16383, 16383))
    assert (error.status, error.code) == (422, "too_many_pixels")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_the_pixel_limit_applies_to_every_format(fmt):
    data = hostile.encode(hostile.photo((100, 50)), fmt)
    assert sanitize(data, max_pixels=5000).width == 100
    assert rejected(data, max_pixels=4999).code == "too_many_pixels"


# -- frames -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_animated_images_are_422(fmt):
    error = rejected(hostile.animated(fmt))
    assert (error.status, error.code) == (422, "animated")


def test_a_multi_picture_jpeg_keeps_only_its_primary_image():
    image = decoded(sanitize(hostile.mpo()))
    red, _green, blue = image.getpixel((32, 24))
    assert red > 200
    assert blue < 50
    assert not hasattr(image, "n_frames") or image.n_frames == 1


# -- what is kept -----------------------------------------------------------------------------


def test_metadata_and_trailing_bytes_are_gone():
    source = hostile.jpeg_with_metadata()
    original = Image.open(io.BytesIO(source))
    assert {"exif", "icc_profile", "comment", "xmp"} <= original.info.keys()  # the test is real

    result = sanitize(source)
    image = decoded(result)
    assert image.format == "PNG"
    assert not {"exif", "icc_profile", "comment", "xmp", "dpi"} & image.info.keys()
    assert not image.getexif()
    assert not getattr(image, "text", {})
    for secret in (hostile.TRAILER, hostile.COMMENT, b"secret-xmp", b"SecretCam", b"Exif"):
        assert secret not in result.data
    assert result.data.endswith(hostile.png_chunk(b"IEND", b""))


def test_exif_orientation_is_applied():
    result = sanitize(hostile.jpeg_with_orientation(6))  # stored 60x20; shown turned clockwise
    image = decoded(result)
    assert (result.width, result.height) == image.size == (20, 60)
    top, bottom = image.getpixel((10, 5)), image.getpixel((10, 55))
    assert top[0] > 150
    assert top[2] < 80
    assert bottom[2] > 150
    assert bottom[0] < 80


def test_an_unrotated_jpeg_keeps_its_shape():
    assert decoded(sanitize(hostile.jpeg_with_orientation(1))).size == (60, 20)


def palette_image() -> Image.Image:
    image = Image.new("P", (10, 10), 1)
    image.putpalette([0, 0, 0, 255, 0, 0])
    return image


@pytest.mark.parametrize(
    ("image", "options"),
    [
        (Image.new("RGBA", (10, 10), (255, 0, 0, 0)), {}),
        (Image.new("LA", (10, 10), (0, 0)), {}),
        (palette_image(), {"transparency": 1}),
        (Image.new("RGB", (10, 10), (255, 0, 0)), {"transparency": (255, 0, 0)}),
    ],
    ids=["rgba", "la", "palette", "rgb-trns"],
)
def test_transparency_is_flattened_on_white(image, options):
    result = decoded(sanitize(hostile.encode(image, "PNG", **options)))
    assert result.mode == "RGB"
    assert result.getpixel((5, 5)) == (255, 255, 255)


def test_half_transparency_is_blended_with_white():
    image = Image.new("RGBA", (10, 10), (255, 0, 0, 128))
    result = decoded(sanitize(hostile.encode(image, "WEBP", lossless=True)))
    assert result.getpixel((5, 5)) == (255, 127, 127)


def test_sixteen_bit_greyscale_is_scaled_not_clipped():
    image = Image.new("I;16", (2, 1))
    image.putpixel((0, 0), 32768)
    image.putpixel((1, 0), 65535)
    result = decoded(sanitize(hostile.encode(image, "PNG")))
    assert result.getpixel((0, 0)) == (128, 128, 128)
    assert result.getpixel((1, 0)) == (255, 255, 255)


def test_the_result_describes_itself():
    result = sanitize(hostile.encode(hostile.photo((64, 48)), "JPEG"))
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()
    assert result.mime_type == "image/png"
    assert decoded(result).size == (result.width, result.height) == (64, 48)
    assert "data" not in repr(result)


def test_sanitizing_is_deterministic_and_idempotent():
    first = sanitize(hostile.jpeg_with_metadata())
    assert sanitize(hostile.jpeg_with_metadata()) == first
    assert sanitize(first.data).data == first.data


def test_large_images_are_scaled_down_to_the_longest_edge():
    data = hostile.encode(hostile.photo((3000, 1000)), "PNG")
    result = sanitize(data, max_edge=2048)
    assert (result.width, result.height) == (2048, 683)
    assert sanitize(data, max_edge=4000).width == 3000  # never scaled up


@pytest.mark.parametrize("kind", sorted(DRAWINGS))
def test_demo_drawings_pass_the_intake(kind):
    assert sanitize(DRAWINGS[kind](size=200)).width == 200


# -- the error itself -------------------------------------------------------------------------


def test_messages_are_translatable_and_statuses_follow_the_reason():
    error = rejected(b"GIF89a")
    assert isinstance(error.message, LazyString)
    assert {reason: reason.status for reason in Rejection} == {
        Rejection.TOO_LARGE: 413,
        Rejection.UNSUPPORTED_TYPE: 415,
        Rejection.TOO_MANY_PIXELS: 422,
        Rejection.ANIMATED: 422,
        Rejection.UNREADABLE: 422,
        Rejection.EMPTY: 422,
    }


@pytest.mark.parametrize("limits", [{"max_bytes": 0}, {"max_pixels": -1}, {"max_edge": 0}])
def test_limits_must_be_positive(limits):
    with pytest.raises(ValueError, match="positive"):
        sanitize(b"", **limits)
