"""Mail bodies from Jinja templates (delivery/mail/templates), in the reader's language, and the
MIME message that carries them.

Each mail is two templates, NAME.txt and NAME.html (autoescaped), each extending its layout; the
subject is the `subject` block of the .txt. Their words are gettext messages in the same catalogs
as the pages (app/translations), extracted by `make messages`. Rendering needs no request: an
environment per language, so two threads rendering in two languages never share a locale.
"""

from __future__ import annotations

import secrets
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask import current_app
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.core.languages import language_of
from app.core.money import format_money

SENDER = "keyshop <no-reply@keyshop.local>"
TEMPLATES = Path(__file__).resolve().parent / "templates"
UTF8 = Charset("utf-8")
UTF8.body_encoding = QP  # codes stay readable in the raw message (an outbox file), unlike base64


def render(name: str, locale: str, **values) -> tuple[str, str, str]:
    """(subject, text, html) of the mail NAME in `locale` (English where it has no translation)."""
    values["locale"] = language_of(locale)
    env = _environment(_catalogs(), values["locale"])
    return *_subject_and_text(env, name, values), env.get_template(f"{name}.html").render(values)


def render_text(name: str, **values) -> tuple[str, str]:
    """(subject, text) of a plain-text mail to staff (templates/owners/), in English like the admin."""
    return _subject_and_text(_environment(_catalogs(), "en"), name, values)


def _subject_and_text(env: Environment, name: str, values: dict) -> tuple[str, str]:
    text = env.get_template(f"{name}.txt")
    subject = "".join(text.blocks["subject"](text.new_context(values))).strip()
    return subject, text.render(values)


def translate(locale: str, words: str, **values) -> str:
    """One gettext message in `locale`, outside any request (a notice shown in the order's language)."""
    translated = _translations(_catalogs(), language_of(locale)).gettext(words)
    return translated % values if values else translated


def compose_message(to: str, locale: str, idstring: str, subject: str, text: str, html: str) -> Message:
    """Plain text and HTML alternatives. The compat32 classes, not EmailMessage: its header parsing
    was most of a delivery mail's cost (2.8 ms against 0.8 ms per message)."""
    # A boundary of our own: the one the email package makes is checked against the whole text
    # with a regular expression compiled for each message
    message = MIMEMultipart("alternative", boundary=f"==keyshop-{secrets.token_hex(16)}")
    message["From"], message["To"] = SENDER, to
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    message["Message-ID"] = make_msgid(idstring=idstring, domain="keyshop.local")
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Content-Language"] = locale
    message.attach(MIMEText(text, "plain", UTF8))
    message.attach(MIMEText(html, "html", UTF8))
    return message


def render_message(name: str, to: str, locale: str, idstring: str, **values) -> Message:
    return compose_message(to, locale, idstring, *render(name, locale, **values))


def _catalogs() -> Path:
    """The catalogs create_app compiled into the instance folder (app.core.i18n.init_i18n)."""
    return current_app.config["KEYSHOP"].instance / "translations"


@cache
def _translations(catalogs: Path, language: str) -> NullTranslations:
    return Translations.load(str(catalogs), [language], domain="messages")


@cache
def _environment(catalogs: Path, language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates change with a deploy, not under a running worker: no stat per mail
    )
    env.install_gettext_translations(_translations(catalogs, language), newstyle=True)
    env.filters["money"] = format_money
    return env
