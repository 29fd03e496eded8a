"""CSRF protection for HTML forms: a per-session token in every form, checked on every POST."""

from __future__ import annotations

import hmac
import secrets

from flask import g, request, session

from app.web.error_words import FormExpired

FIELD = "csrf_token"
# What a page rendered for every visitor (app.web.page_cache) holds instead of a token: each response
# gets its own visitor's in its place. Random per process, so no stored text can contain it.
PLACEHOLDER = "csrf-" + secrets.token_hex(16)


def csrf_token() -> str:
    if g.get("rendering_shared"):
        return PLACEHOLDER
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]


def check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(FIELD) or request.headers.get("X-CSRF-Token", "")
    expected = session.get(FIELD, "")
    if not expected or not hmac.compare_digest(sent, expected):
        raise FormExpired()
