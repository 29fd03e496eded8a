"""SMTP credentials cross the wire only inside verified TLS, unless the URL opts out by name
(`?tls=none`, for a relay on the same machine). Real SMTP servers on loopback, a tap on the wire."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from app.core.db import write_transaction
from app.core.extensions import db
from delivery.mail.composers import composes
from delivery.mail.log import MailLog, owe
from delivery.mail.transport import SmtpRefused, is_temporary, transport
from tests.smtp import Certificate, SmtpServer, WireTap

LOGIN, PASSWORD = "shop", "s3cret-smtp-password"


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "shop@example.com", "buyer@example.com", "hello"
    message["Message-ID"] = "<transport-test@example.com>"
    message.set_content("hello")
    return message


def _password_on_the_wire(tap: WireTap) -> bool:
    """The password as AUTH PLAIN or LOGIN would carry it, or bare."""
    forms = [
        PASSWORD.encode(),
        base64.b64encode(f"\0{LOGIN}\0{PASSWORD}".encode()),
        base64.b64encode(PASSWORD.encode()),
    ]
    return any(form in bytes(tap.sent) for form in forms)


@pytest.fixture
def tapped(request, tmp_path):
    """(server, tap): a server that asks for a login, behind a tap; `certificate` param: STARTTLS too."""
    certificate = Certificate(tmp_path) if getattr(request, "param", False) else None
    server = SmtpServer(login=True, certificate=certificate)
    tap = WireTap(server.port)
    tap.certificate = certificate
    yield server, tap
    tap.stop()
    server.stop()


def _url(tap: WireTap, query: str = "") -> str:
    return f"smtp://{LOGIN}:{PASSWORD}@127.0.0.1:{tap.port}{query}"


def test_credentials_are_never_sent_to_a_server_that_offers_no_starttls(tapped, tmp_path):
    server, tap = tapped
    with pytest.raises(SmtpRefused, match="^KEYSHOP_SMTP_URL: .*no STARTTLS.*tls=none") as refused:
        transport(_message(), _url(tap), tmp_path / "outbox")
    assert not is_temporary(refused.value)  # a setting to fix, not a network blip to retry
    assert server.logins == [] and server.messages == []
    assert b"AUTH" not in bytes(tap.sent) and not _password_on_the_wire(tap)


def test_tls_none_in_the_url_sends_credentials_in_the_clear_to_a_local_relay(tapped, tmp_path):
    server, tap = tapped
    transport(_message(), _url(tap, "?tls=none"), tmp_path / "outbox")
    assert server.logins == [(LOGIN.encode(), False)] and len(server.messages) == 1


@pytest.mark.parametrize("tapped", [True], indirect=True)
def test_credentials_go_only_inside_starttls_to_a_trusted_certificate(tapped, tmp_path, monkeypatch):
    server, tap = tapped
    monkeypatch.setenv("SSL_CERT_FILE", str(tap.certificate.cert_path))
    transport(_message(), _url(tap), tmp_path / "outbox")
    assert server.logins == [(LOGIN.encode(), True)] and len(server.messages) == 1
    assert b"STARTTLS" in bytes(tap.sent) and not _password_on_the_wire(tap)


@pytest.mark.parametrize("tapped", [True], indirect=True)
def test_a_starttls_certificate_nobody_vouches_for_gets_no_credentials(tapped, tmp_path):
    """Whoever can strip STARTTLS can also offer it with a certificate of their own."""
    server, tap = tapped
    with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
        transport(_message(), _url(tap), tmp_path / "outbox")
    assert server.logins == [] and server.messages == [] and not _password_on_the_wire(tap)


@composes("test")
def _compose_test_mail(_context, _mail):
    return _message()


@pytest.fixture
def weak_smtp(shop_env):
    """Requested before `app`, so the app's settings carry the URL."""
    server = SmtpServer(login=True)
    shop_env["KEYSHOP_SMTP_URL"] = f"smtp://{LOGIN}:{PASSWORD}@127.0.0.1:{server.port}"
    yield server
    server.stop()


def test_mail_refused_for_want_of_tls_stays_failed_and_says_which_setting(weak_smtp, app):
    from delivery.jobs import send_owed_mail

    with app.app_context():
        with write_transaction(db.session):
            owe(db.session, "test:insecure", "support")
        assert send_owed_mail() == 0
        failed = db.session.execute(
            select(MailLog.status, MailLog.last_error).where(MailLog.key == "test:insecure")
        ).one()
        db.session.remove()
    assert failed.status == "failed" and "KEYSHOP_SMTP_URL" in failed.last_error  # a setting to change: no retry
    assert PASSWORD not in failed.last_error
    assert weak_smtp.logins == [] and weak_smtp.messages == []
