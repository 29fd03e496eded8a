"""A 500 is logged with its exception type and traceback, and under its route's rule, never the path
(which holds order and conversation tokens); gunicorn's access log names routes, not tokens."""

from __future__ import annotations

import io
import json
import logging
import re
import time

import pytest
import requests
from sqlalchemy import text

from app.core.extensions import db
from app.core.logs import JsonLines
from tests.secrets_in_logs import PLANTED
from tests.shop import make_product, place

TOKEN = "Tk" + "q7Zr4Xw9" * 4  # shaped like an order token: 34 URL-safe characters


@pytest.fixture
def captured(app):
    """The app's log, written by the JsonLines formatter the web processes use."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    app.logger.addHandler(handler)
    yield stream
    app.logger.removeHandler(handler)


def _failing_route(app, rule: str) -> None:
    """A view that fails the way a bug would, quoting the token it was given in its message."""

    def explode(token):
        raise LookupError(f"no ledger row for {token}")

    app.add_url_rule(rule, "explode", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 handler runs, not the test


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_500_logs_its_exception_and_route_but_never_the_token(app, client, captured):
    PLANTED.add(TOKEN)
    _failing_route(app, "/o/<token>/explode")
    answer = client.get(f"/o/{TOKEN}/explode?s={TOKEN}")
    assert answer.status_code == 500
    [line] = [line for line in _lines(captured) if line["level"] == "error"]
    assert line["msg"] == "Exception on /o/<token>/explode [GET]"
    assert line["exc_type"] == "LookupError"
    assert "Traceback (most recent call last)" in line["traceback"] and "in explode" in line["traceback"]
    assert "LookupError: no ledger row for" in line["traceback"]
    assert TOKEN not in captured.getvalue()


def test_a_500_under_the_api_answers_json_and_logs_the_same_way(app, client, captured):
    PLANTED.add(TOKEN)
    _failing_route(app, "/api/v1/orders/<token>/explode")
    answer = client.get(f"/api/v1/orders/{TOKEN}/explode")
    assert answer.status_code == 500 and answer.json["error"]["message"]
    assert [line["msg"] for line in _lines(captured)] == ["Exception on /api/v1/orders/<token>/explode [GET]"]
    assert TOKEN not in captured.getvalue()


def test_json_lines_carry_any_logged_exception(captured, app):
    try:
        {}["missing"]
    except KeyError:
        logging.getLogger("app").exception("lookup failed")
    [line] = _lines(captured)
    assert line["exc_type"] == "KeyError" and '{}["missing"]' in line["traceback"]


def _away(app, table: str, back: bool = False) -> None:
    """The database losing a table: a real fault that makes a real route raise, without test code in it."""
    names = (f"{table}_away", table) if back else (table, f"{table}_away")
    with app.app_context():
        db.session.execute(text(f"ALTER TABLE {names[0]} RENAME TO {names[1]}"))
        db.session.commit()
        db.session.remove()


def test_gunicorn_logs_a_500_and_every_request_without_a_token(app, live_server):
    make_product(app, "card")
    placed = place(app)
    PLANTED.update({placed.token, placed.payment.redirect_url.split("s=", 1)[1]})
    pay_link = live_server.url + "/sandbox/pay" + placed.payment.redirect_url.split("/sandbox/pay", 1)[1]
    assert requests.get(f"{live_server.url}/o/{placed.token}", timeout=10).status_code == 200
    assert requests.get(f"{live_server.url}/api/v1/orders/{placed.token}", timeout=10).status_code == 200
    assert requests.get(pay_link, timeout=10).status_code == 200
    assert requests.get(f"{live_server.url}/nothing/{placed.token}", timeout=10).status_code == 404
    _away(app, "orders")
    try:
        assert requests.get(f"{live_server.url}/o/{placed.token}", timeout=10).status_code == 500
    finally:
        _away(app, "orders", back=True)
    log = _wait_for(live_server, '"GET /o/<token>" 500')  # gunicorn writes it after the response, last
    [error] = [json.loads(line) for line in log.splitlines() if '"Exception on /o/<token> [GET]"' in line]
    assert error["exc_type"].endswith(("OperationalError", "ProgrammingError")) and "orders" in error["traceback"]
    for route in (
        '"GET /o/<token>" 200',
        '"GET /api/v1/orders/<token>" 200',
        '"GET /sandbox/pay" 200',
        '"GET /o/<token>" 500',
    ):
        assert route in log, route
    assert re.search(r'"GET /nothing/\S+" 404', log)
    assert placed.token not in log and placed.payment.redirect_url.split("s=", 1)[1] not in log


def _wait_for(server, needle: str, seconds: float = 10) -> str:
    deadline = time.monotonic() + seconds
    while needle not in server.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    return server.log()


def test_gunicorns_own_error_lines_lose_the_token(tmp_path):
    """gunicorn logs "Error handling request <uri>" when a response fails after Flask handed it over."""
    from gunicorn.config import Config

    from app.core.logs import GunicornLog

    PLANTED.add(TOKEN)
    config = Config()
    config.set("errorlog", str(tmp_path / "error.log"))
    log = GunicornLog(config)
    try:
        raise ConnectionResetError("peer went away")
    except ConnectionResetError:
        log.exception("Error handling request %s", f"/o/{TOKEN}?s={TOKEN}")
    written = (tmp_path / "error.log").read_text()
    assert "Error handling request /o/<redacted>?…" in written and "ConnectionResetError" in written
    assert TOKEN not in written
