"""An uploaded image judged by its bytes, never its name or declared type: decoded by Pillow from
an allow-list of formats, refused above a pixel count before it is decoded (a 50 kB PNG can claim
a 100,000 x 100,000 canvas), and re-encoded, so what we store and serve is a picture we drew
ourselves, without the upload's metadata or anything hidden after its image data."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext
from PIL import Image, ImageOps

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000  # a 5000 x 5000 photo; decoding one costs about 100 MB at most
FORMATS = ("PNG", "JPEG", "WEBP", "GIF")


class ImageError(ValueError):
    """Why an upload is not an image we take; the message is for the person who uploaded it."""


@dataclass(frozen=True)
class Reencoded:
    data: bytes
    content_type: str
    width: int
    height: int


def reencode(data: bytes, box: tuple[int, int]) -> Reencoded:
    """The upload decoded, turned upright, shrunk to fit `box`, and written afresh: PNG where it has
    transparency, JPEG elsewhere."""
    if not data:
        raise ImageError(lazy_gettext("the file is empty"))
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError(lazy_gettext("the file is larger than %(most)s MB", most=MAX_UPLOAD_BYTES // (1024 * 1024)))
    picture = _decoded(data)
    picture = ImageOps.exif_transpose(picture)
    picture.thumbnail(box)
    return _encoded(picture)


def _decoded(data: bytes) -> Image.Image:
    picture = _opened(data)
    if picture.width * picture.height > MAX_PIXELS:  # known from the header, before decoding
        raise ImageError(lazy_gettext("the image has more than %(most)s million pixels", most=MAX_PIXELS // 1_000_000))
    try:
        picture.seek(0)  # an animation: its first frame
        picture.load()
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ImageError(lazy_gettext("the image is damaged and cannot be read")) from None
    return picture


def _opened(data: bytes) -> Image.Image:
    """The header read, nothing decoded yet."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageError(
            lazy_gettext("the image has more than %(most)s million pixels", most=MAX_PIXELS // 1_000_000)
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):  # UnidentifiedImageError is an OSError
        raise ImageError(lazy_gettext("the file is not a PNG, JPEG, WebP or GIF image")) from None


def _encoded(picture: Image.Image) -> Reencoded:
    out = io.BytesIO()
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        picture = picture.convert("RGBA")
        picture.save(out, "PNG", optimize=True)
        content_type = "image/png"
    else:
        picture = picture.convert("RGB")
        picture.save(out, "JPEG", quality=85, optimize=True)
        content_type = "image/jpeg"
    return Reencoded(out.getvalue(), content_type, picture.width, picture.height)
