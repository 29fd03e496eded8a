"""Uploaded images are judged by their bytes, shrunk, and stored as pictures we encoded ourselves."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from app.core.image_bytes import MAX_PIXELS, ImageError, reencode


def picture_bytes(size=(40, 30), mode="RGB", kind="PNG", **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else (255, 0, 0, 128)).save(out, kind, **options)
    return out.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A valid PNG header claiming a huge canvas, with a tiny (truncated) body: decoding it would
    allocate width x height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_photo_is_shrunk_to_its_box_and_reencoded_as_jpeg():
    stored = reencode(picture_bytes((3000, 1500), kind="JPEG"), (1200, 1200))
    assert (stored.width, stored.height) == (1200, 600) and stored.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(stored.data)).format == "JPEG"


def test_transparency_is_kept_as_png_and_small_pictures_are_not_enlarged():
    stored = reencode(picture_bytes((50, 20), mode="RGBA"), (600, 160))
    assert (stored.content_type, stored.width, stored.height) == ("image/png", 50, 20)
    assert Image.open(io.BytesIO(stored.data)).mode == "RGBA"


def test_webp_and_gif_are_read_and_stored_in_a_format_every_browser_shows():
    for kind in ("WEBP", "GIF"):
        stored = reencode(picture_bytes(kind=kind), (100, 100))
        assert stored.content_type in ("image/png", "image/jpeg")


def test_what_follows_the_image_data_is_not_stored():
    smuggled = picture_bytes() + b"<?php system($_GET['c']); ?>"
    stored = reencode(smuggled, (100, 100))
    assert b"<?php" not in stored.data


def test_metadata_is_dropped():
    exif = Image.Exif()
    exif[0x010F] = "SecretCam GPS 52.5N"  # camera maker
    stored = reencode(picture_bytes(kind="JPEG", exif=exif.tobytes()), (100, 100))
    assert b"SecretCam" not in stored.data


@pytest.mark.parametrize(
    "data, message",
    [
        (b"<?php system($_GET['c']); ?>", "not a PNG, JPEG, WebP or GIF"),
        (b"GIF89a<script>alert(1)</script>", "not a PNG, JPEG, WebP or GIF"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "not a PNG, JPEG, WebP or GIF"),
        (picture_bytes(kind="BMP"), "not a PNG, JPEG, WebP or GIF"),
        (picture_bytes()[:60], "damaged"),
        (b"", "empty"),
        (bomb_png(20_000, 20_000), "million pixels"),
        (bomb_png(100_000, 100_000), "million pixels"),
    ],
)
def test_what_is_not_a_picture_we_take_is_refused_with_a_reason(data, message):
    with pytest.raises(ImageError, match=message):
        reencode(data, (100, 100))


def test_the_pixel_cap_is_below_pillows_own_bomb_limit():
    assert MAX_PIXELS < Image.MAX_IMAGE_PIXELS
    reencode(picture_bytes((5000, 5000)), (100, 100))  # a large real photo still passes


def test_an_oversized_file_is_refused_before_it_is_decoded():
    with pytest.raises(ImageError, match="larger than 5 MB"):
        reencode(b"\x89PNG" + b"\x00" * (5 * 1024 * 1024), (100, 100))
