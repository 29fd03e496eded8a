"""Rendered storefront pages, kept per web process and served again while nothing they show has
changed. The key is the page (endpoint, path and query), the buyer's language, and what the
caller measured this request: the page version and the stock now (app.web.stock_now), so a change
shows on the very next request, through every process.

Nothing of one visitor is kept: the CSRF token is rendered as a per-process placeholder and each
response gets its own visitor's token; a visitor with a flashed message gets a page of their own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, g, request, session

from app.core.i18n import current_language
from app.web.csrf import PLACEHOLDER, csrf_token
from app.web.media import forget_logo

MOST_PAGES = 256  # per process: a few dozen products x languages, and searches

_lock = threading.Lock()


def cached_page(measured: tuple | None, render: Callable[[], str]) -> str:
    """The page for `measured` (what the caller read this request), rendered at most once per process;
    rendered for this request alone when `measured` is None."""
    if measured is None or session.get("_flashes"):
        return render()  # a flashed message is this visitor's alone
    key = (request.endpoint, request.full_path, current_language(), measured)
    body = _kept(key)
    if body is None:
        body = _keep(key, _render_shared(render))
    return _for_this_visitor(body)


def per_version(name: str, version: int, compute: Callable[[], object]):
    """`compute()` once per page version and process: for what only a versioned change can change."""
    kept = current_app.extensions.get(f"keyshop.versioned.{name}")
    if kept is None or kept[0] != version:
        kept = (version, compute())
        current_app.extensions[f"keyshop.versioned.{name}"] = kept
    return kept[1]


def _kept(key: tuple) -> str | None:
    pages = _pages()
    with _lock:
        body = pages.get(key)
        if body is not None:
            pages.move_to_end(key)
    return body


def _keep(key: tuple, body: str) -> str:
    pages = _pages()
    with _lock:
        pages[key] = body
        while len(pages) > MOST_PAGES:
            pages.popitem(last=False)
    return body


def _pages() -> OrderedDict[tuple, str]:
    """This app's, least recently served first."""
    return current_app.extensions.setdefault("keyshop.pages", OrderedDict())


def _render_shared(render: Callable[[], str]) -> str:
    """With app.web.csrf's placeholder for the token."""
    forget_logo(current_app)  # the logo is versioned with the page; its own 10 s memory is not
    g.rendering_shared = True
    try:
        return render()
    finally:
        g.rendering_shared = False


def _for_this_visitor(body: str) -> str:
    return body.replace(PLACEHOLDER, csrf_token()) if PLACEHOLDER in body else body
