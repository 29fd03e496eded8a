"""What app.core.logs.GunicornLog overrides in gunicorn's Logger still has the signature it overrides.

GunicornLog replaces the access log's atoms (no raw URI, no referer: they carry order tokens) and redacts
the arguments of error lines. A renamed method would leave gunicorn logging tokens again;
tests/app/core/test_logs.py runs a real gunicorn to check the lines themselves.
"""

from __future__ import annotations

import inspect

from gunicorn.glogging import Logger

from app.core.logs import GunicornLog
from tests.signatures import parameters


def test_the_logger_methods_overridden_keep_their_signatures():
    assert parameters(Logger.atoms) == ["self", "resp", "req", "environ", "request_time"]
    assert parameters(Logger.access) == ["self", "resp", "req", "environ", "request_time"]
    for name in ("error", "warning", "exception"):
        assert parameters(getattr(Logger, name)) == ["self", "msg", "*args", "**kwargs"], name
    assert parameters(Logger.now) == ["self"]  # the time atom GunicornLog keeps


def test_gunicorns_access_log_asks_the_logger_for_its_atoms():
    """Its access() builds the line from self.atoms(): the override, not a copy of the raw request."""
    assert "self.atoms(" in inspect.getsource(Logger.access)
    assert GunicornLog.atoms is not Logger.atoms
