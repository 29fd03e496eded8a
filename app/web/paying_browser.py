"""The browser that placed an order remembers it for a few hours, in a signed cookie that holds the
order's number (never its secret), so a provider can send the buyer back to a URL without the secret
(/back/<provider>/<number>) and only that browser is let through to the order page."""

from __future__ import annotations

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "ks_paying"
PATH = "/back/"  # sent nowhere else
MAX_AGE = 6 * 3600  # long enough to pay by bank app; short enough that a shared computer forgets


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="keyshop.paying-order")


def remember_paying(response: Response, number: str) -> Response:
    response.set_cookie(
        COOKIE,
        _signer().dumps(number),
        max_age=MAX_AGE,
        path=PATH,
        httponly=True,
        samesite="Lax",  # the provider's redirect back is a top-level GET: Lax sends it
        secure=request.is_secure,
    )
    return response


def paid_in_this_browser(number: str) -> bool:
    try:
        return _signer().loads(request.cookies.get(COOKIE, ""), max_age=MAX_AGE) == number
    except BadSignature:  # also an expired one (SignatureExpired is a BadSignature)
        return False
