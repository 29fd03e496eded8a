"""The shop's public base URL: where every link in mail and to payment providers points.

The first of these that is set counts:
1. KEYSHOP_BASE_URL in the environment. DESIGN.md makes the environment the source when it is set
   (a deploy fixes it; the admin shows it and says where it comes from, but cannot change it);
2. the owner's base URL in the admin (shop settings);
3. the address `keyshop serve` or `keyshop web` last listened on, which they record at start, so a
   worker started on its own builds the same links;
4. http://127.0.0.1:5000.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from sqlalchemy.orm import Session

from app.core.errors import BuyerError
from app.core.shop_profile import shop_profile
from app.core.shop_settings import write_settings

DEFAULT = "http://127.0.0.1:5000"
MAX_LENGTH = 200
DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_UNSAFE = re.compile(r"[\s\\\x00-\x1f\x7f]")


class BaseUrlError(BuyerError):
    """The owner's base URL cannot be used; the message (a gettext msgid) says why."""

    def __init__(self, message: str, **params: object):
        super().__init__("base_url", message, **params)


def effective_base_url(from_environment: str | None) -> str:
    return from_environment or shop_profile().base_url or shop_profile().listen_url or DEFAULT


def base_url_source(from_environment: str | None) -> str:
    """Where the base URL in effect comes from: environment, settings, listen or default."""
    if from_environment:
        return "environment"
    profile = shop_profile()
    return "settings" if profile.base_url else "listen" if profile.listen_url else "default"


def parse_base_url(text: str) -> str:
    """An owner's base URL as `scheme://host[:port]` ("" for none). Nothing but a scheme, a host and
    a port: a path, a query, a user name or a backslash would let a link point elsewhere than it reads."""
    text = text.strip()
    if not text:
        return ""
    if len(text) > MAX_LENGTH:
        raise BaseUrlError("at most %(count)d characters", count=MAX_LENGTH)
    if _UNSAFE.search(text) or not text.isascii():
        raise BaseUrlError("no spaces, backslashes or non-ASCII characters (write a host in its xn-- form)")
    parts = urlsplit(text)
    if parts.scheme.lower() not in DEFAULT_PORTS or not text.lower().startswith(parts.scheme.lower() + "://"):
        raise BaseUrlError("it must start with http:// or https://")
    if "@" in parts.netloc or parts.query or parts.fragment or "?" in text or "#" in text:
        raise BaseUrlError("no user name, query or fragment: only the scheme, the host and a port")
    if parts.path not in ("", "/"):
        raise BaseUrlError("no path: keyshop answers at the root of its host")
    return _normalised(parts.scheme.lower(), parts)


def _normalised(scheme: str, parts: SplitResult) -> str:
    host = _checked_host(parts.hostname or "")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 and parts.netloc.rsplit("]", 1)[-1].count(":"):
        raise BaseUrlError("the port is not a number from 1 to 65535")
    shown_port = f":{port}" if port and port != DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{shown_port}"


def _checked_host(host: str) -> str:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _HOST_NAME.fullmatch(host) or len(host) > 253 or host.replace(".", "").isdigit():
            raise BaseUrlError("the host is not a host name or an IP address") from None
        return host
    return f"[{address.compressed}]" if address.version == 6 else address.compressed


def origin(url: str) -> tuple[str, int]:
    """(host, port) of a URL, the port filled in from the scheme: what a browser connects to."""
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(parts.scheme, 0)


def arrived_elsewhere(request_root: str, base_url: str) -> bool:
    """A request reached this host or port, but the links we send point at another."""
    return origin(request_root) != origin(base_url)


def listen_url(host: str, port: int) -> str:
    """Where a server bound to host:port is reached from this machine (0.0.0.0 and :: by loopback)."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    try:
        host = _checked_host(host.strip("[]").lower())
    except BaseUrlError:
        pass  # whatever the server could bind to, it is the best guess there is
    return f"http://{host}:{port}"


def record_listen_url(session: Session, host: str, port: int) -> str:
    """Called by `serve` and `web` at start; audited when it changes, like every setting."""
    url = listen_url(host, port)
    write_settings(session, "cli", {"listen_url": url})
    return url
