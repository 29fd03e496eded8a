"""A random, anonymous id per browser, for what the help center counts once per visitor and for
proactive notes to people who have not ordered. It names no one and opens nothing."""

from __future__ import annotations

import secrets

from flask import Flask, g, request

from feedback.help.events import VISITOR

COOKIE = "ks_visitor"


def visitor_id() -> str:
    """This browser's id, made (and sent back in a cookie) the first time it is needed."""
    if "visitor" not in g:
        sent = request.cookies.get(COOKIE, "")
        g.visitor, g.new_visitor = (sent, False) if VISITOR.match(sent) else (secrets.token_hex(16), True)
    return g.visitor


def known_visitor() -> str | None:
    sent = request.cookies.get(COOKIE, "")
    return sent if VISITOR.match(sent) else None


def init_visitor(app: Flask) -> None:
    @app.after_request
    def _send_new_id(response):
        if g.get("new_visitor"):
            response.set_cookie(
                COOKIE, g.visitor, max_age=365 * 86400, samesite="Lax", httponly=True, secure=request.is_secure
            )
        return response
