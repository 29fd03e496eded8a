"""Headers every response carries, cookie flags, and the client's address behind a proxy."""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script or style anywhere: the policy can forbid them. No form-action: checkout forms
# are answered with a redirect to the payment provider, which browsers check against it.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def secure(app: Flask, base_url: str, proxy_hops: int) -> None:
    https = base_url.startswith("https://")
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=https)
    app.session_interface = _SessionOverHttps()
    if proxy_hops:  # X-Forwarded-For/-Proto/-Host are believed only from that many proxies in front
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxy_hops, x_proto=proxy_hops, x_host=proxy_hops)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


class _SessionOverHttps(SecureCookieSessionInterface):
    """A session cookie set over HTTPS is Secure, whatever KEYSHOP_BASE_URL says: the base URL may
    come from the shop settings, which are read after this app is made (app.core.public_url)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or request.is_secure
