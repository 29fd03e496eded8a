"""Where mail goes: an SMTP server (KEYSHOP_SMTP_URL) or, embedded, .eml files in the outbox folder.

Credentials cross the wire only inside TLS whose certificate the machine trusts (smtps://, or
STARTTLS on smtp://), unless the URL says `?tls=none` (a relay on the same machine or network).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import Message
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class SmtpRefused(smtplib.SMTPException):
    """The server cannot be given the credentials safely: a setting to change, not worth retrying."""


def is_temporary(exc: Exception) -> bool:
    """4xx answers and network trouble are worth retrying; a 5xx answer (bad address, refused) is not."""
    if isinstance(exc, (SmtpRefused, ssl.SSLCertVerificationError)):
        return False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, OSError)  # connection refused or reset, timeouts, DNS


def is_unreachable(exc: Exception) -> bool:
    """The server could not be reached, or dropped the line: no other mail gets through either."""
    answered = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused, SmtpRefused, ssl.SSLError)
    return isinstance(exc, OSError) and not isinstance(exc, answered)


def transport(message: Message, smtp_url: str | None, outbox: Path) -> None:
    """Hand one composed mail to the SMTP server, or write it to the outbox folder when there is none."""
    if smtp_url:
        _send_smtp(message, smtp_url)
    else:
        _write_outbox(message, outbox)


def _send_smtp(message: Message, smtp_url: str) -> None:
    parts = urlsplit(smtp_url)
    secure = parts.scheme == "smtps"
    tls = ssl.create_default_context()  # verified: whoever strips STARTTLS can also offer their own certificate
    with _connect(parts.hostname, parts.port or (465 if secure else 25), secure, tls) as client:
        if not secure and not _tls_waived(parts.query):
            _start_tls(client, tls, needed=bool(parts.username), where=f"{parts.hostname}:{parts.port or 25}")
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def _connect(host: str, port: int, secure: bool, tls: ssl.SSLContext) -> smtplib.SMTP:
    if secure:
        return smtplib.SMTP_SSL(host, port, timeout=10, context=tls)
    return smtplib.SMTP(host, port, timeout=10)


def _start_tls(client: smtplib.SMTP, tls: ssl.SSLContext, needed: bool, where: str) -> None:
    """STARTTLS when the server offers it; refused before any credential is sent when it does not
    and the URL did not waive it. (The extensions are known only after EHLO.)"""
    client.ehlo()
    if client.has_extn("starttls"):
        client.starttls(context=tls)
        client.ehlo()
    elif needed:
        raise SmtpRefused(
            f"KEYSHOP_SMTP_URL: the server at {where} offers no STARTTLS, so the login is not "
            "sent; use smtps://, or add ?tls=none for a relay you trust on your own network"
        )


def _tls_waived(query: str) -> bool:
    """`?tls=none`: no STARTTLS, even when offered (a local relay with a certificate nobody signed)."""
    return parse_qs(query).get("tls") == ["none"]


def _write_outbox(message: Message, outbox: Path) -> None:
    outbox.mkdir(parents=True, exist_ok=True)
    name = message["Message-ID"].strip("<>").split("@")[0]
    temporary = outbox / f".{name}.tmp"
    temporary.write_bytes(bytes(message))
    temporary.rename(outbox / f"{name}.eml")
