"""Images a buyer attaches: a few formats, recognised by their bytes (not the name), bounded size."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.core.errors import BuyerError
from feedback.support.models import Attachment

MAX_BYTES = 2 * 1024 * 1024
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class AttachmentError(BuyerError):
    pass


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def checked_upload(filename: str, data: bytes) -> Upload | None:
    """None when nothing was attached; an error naming the problem when it is not a small image."""
    if not data:
        return None
    if len(data) > MAX_BYTES:
        raise AttachmentError(
            "attachment", "at most %(mb)s MB (%(kb)s KB given)", mb=MAX_BYTES // (1024 * 1024), kb=len(data) // 1024
        )
    if content_type(data) is None:
        raise AttachmentError("attachment", "a PNG, JPEG or GIF image")
    return Upload((filename or "image").rsplit("/", 1)[-1][:200], data)


def content_type(data: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def attach(session: Session, message_id: int, upload: Upload) -> None:
    session.add(
        Attachment(
            message_id=message_id, filename=upload.filename, content_type=content_type(upload.data), data=upload.data
        )
    )
