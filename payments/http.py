"""One HTTP call to a provider's API, with our timeouts and the two failures the core tells apart."""

from __future__ import annotations

import threading

import requests

from payments.base import ProviderRefused, ProviderUnavailable

TIMEOUT = (3.05, 15)  # connect, read: a checkout never waits long on a provider
# One pooled session per thread (a Session is not safe to share between threads): a callback that
# reads the payment back from the provider (Epay) reuses the connection instead of opening one per
# call, which was about a third of the Epay notify's CPU.
_local = threading.local()


def _session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def call(provider: str, method: str, url: str, **kwargs) -> dict:
    """The JSON answer; ProviderUnavailable for network trouble and 5xx (retry with the same
    idempotency key), ProviderRefused for any other 4xx (retrying changes nothing)."""
    try:
        answer = _session().request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise ProviderUnavailable(f"{provider}: {exc.__class__.__name__}") from None
    if answer.status_code >= 500 or answer.status_code == 429:
        raise ProviderUnavailable(f"{provider} answered {answer.status_code}")
    if answer.status_code >= 400:
        raise ProviderRefused(f"{provider} answered {answer.status_code}: {answer.text[:300]}")
    try:
        return answer.json() if answer.content else {}
    except ValueError:
        raise ProviderUnavailable(f"{provider} answered with something that is not JSON") from None
