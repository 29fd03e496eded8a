"""Where mail goes: an SMTP server (KEYSHOP_SMTP_URL) or, embedded, .eml files in the outbox folder."""
from __future__ import annotations

import smtplib
from email.message import Message
from pathlib import Path
from urllib.parse import unquote, urlsplit


def is_temporary(exc: Exception) -> bool:
    """4xx answers and network trouble are worth retrying; a 5xx answer (bad address, refused) is not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, OSError)  # connection refused or reset, timeouts, DNS


def send(message: Message, smtp_url: str | None, outbox: Path) -> None:
    if smtp_url:
        _send_smtp(message, smtp_url)
    else:
        _write_outbox(message, outbox)


def _send_smtp(message: Message, smtp_url: str) -> None:
    parts = urlsplit(smtp_url)
    secure = parts.scheme == "smtps"
    client_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with client_class(parts.hostname, parts.port or (465 if secure else 25), timeout=10) as client:
        if not secure and parts.username and client.has_extn("starttls"):
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def _write_outbox(message: Message, outbox: Path) -> None:
    outbox.mkdir(parents=True, exist_ok=True)
    name = message["Message-ID"].strip("<>").split("@")[0]
    temporary = outbox / f".{name}.tmp"
    temporary.write_bytes(bytes(message))
    temporary.rename(outbox / f"{name}.eml")
