"""Two-factor sign-in: enrolment proven by a code, a code never accepted twice, wrong codes
throttled, owners held to it when the shop says so, and the command-line way back from a lost phone."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.staff import create_staff
from app.core.totp import code_at, current_step
from tests.shop import csrf_from, sign_in

PASSWORD = "a long owner password"


def _account(app, email="owner@shop.test", role="owner"):
    with app.app_context():
        create_staff(db.session, email, PASSWORD, role=role)
        db.session.remove()


def _post(client, path, **form):
    return client.post(path, data={**form, "csrf_token": csrf_from(client, "/admin/two-factor")})


def _enrol(client) -> str:
    return _enrol_at_step(client)[0]


def _enrol_at_step(client) -> tuple[str, int]:
    """The secret, and the time step whose code turned two-factor on (spent from then on)."""
    secret = re.search(
        r"type the key: <code>([A-Z2-7]+)</code>", client.get("/admin/two-factor").get_data(as_text=True)
    )[1]
    step = current_step()
    _post(client, "/admin/two-factor/enable", code=code_at(secret, step))
    return secret, step


def _audited(app, action) -> list[str]:
    with app.app_context():
        actors = db.session.scalars(select(AuditEntry.actor).where(AuditEntry.action == action)).all()
        db.session.remove()
    return actors


def test_turning_it_on_takes_a_code_and_then_sign_in_asks_for_one_once(app, client):
    _account(app)
    sign_in(client, "owner@shop.test", PASSWORD)
    page = client.get("/admin/two-factor").get_data(as_text=True)
    assert "<svg" in page and "is <strong>off</strong>" in page
    refused = _post(client, "/admin/two-factor/enable", code="000000")
    assert "Not turned on: code:" in client.get(refused.headers["Location"]).get_data(as_text=True)
    secret, enrolled_at = _enrol_at_step(client)
    assert "is <strong>on</strong>" in client.get("/admin/two-factor").get_data(as_text=True)
    assert _audited(app, "shop.staff.two_factor_enabled") == ["owner@shop.test"]

    laptop = app.test_client()
    assert sign_in(laptop, "owner@shop.test", PASSWORD).headers["Location"] == "/admin/login/code"
    assert laptop.get("/admin/").status_code == 302  # the password alone signs no one in
    form = {"csrf_token": csrf_from(laptop, "/admin/login/code")}
    used = code_at(secret, enrolled_at)  # the code that turned it on: spent (even when a 30 s step has passed)
    assert laptop.post("/admin/login/code", data={**form, "code": used}).status_code == 401
    assert (
        laptop.post("/admin/login/code", data={**form, "code": code_at(secret, current_step() + 1)}).status_code == 302
    )
    assert laptop.get("/admin/").status_code == 200


def test_wrong_codes_are_throttled_and_the_attempt_starts_over(app, client):
    _account(app)
    sign_in(client, "owner@shop.test", PASSWORD)
    secret = _enrol(client)
    thief = app.test_client()  # knows the password, not the phone
    sign_in(thief, "owner@shop.test", PASSWORD)
    form = {"csrf_token": csrf_from(thief, "/admin/login/code")}
    answers = [thief.post("/admin/login/code", data={**form, "code": f"{n:06d}"}).status_code for n in range(6)]
    assert answers[:5] == [401] * 5 and answers[5] == 429
    right = thief.post("/admin/login/code", data={**form, "code": code_at(secret, current_step() + 1)})
    assert right.status_code == 400  # the attempt's session is gone, and its form with it
    assert thief.get("/admin/login/code").headers["Location"] == "/admin/login"  # back to the start
    assert thief.get("/admin/").status_code == 302


def test_a_shop_that_requires_it_holds_owners_to_enrolment_but_not_agents(app, client):
    _account(app)
    _account(app, "second@shop.test")
    _account(app, "agent@shop.test", role="agent")
    sign_in(client, "owner@shop.test", PASSWORD)
    _post(client, "/admin/two-factor/owners", required="1")
    assert client.get("/admin/products").headers["Location"] == "/admin/two-factor"
    second = app.test_client()
    sign_in(second, "second@shop.test", PASSWORD)
    assert second.get("/admin/").headers["Location"] == "/admin/two-factor"
    secret = _enrol(second)
    assert second.get("/admin/").status_code == 200
    off = _post(second, "/admin/two-factor/disable", code=code_at(secret, current_step() + 1))
    assert "Still on: the shop requires" in second.get(off.headers["Location"]).get_data(as_text=True)
    agent = app.test_client()
    sign_in(agent, "agent@shop.test", PASSWORD)
    assert agent.get("/admin/").status_code == 200
    assert _post(agent, "/admin/two-factor/owners", required="0").status_code == 403


def test_an_agent_turns_it_off_with_a_code_and_a_lost_phone_is_reset_from_the_command_line(app, client, runner):
    _account(app, "agent@shop.test", role="agent")
    sign_in(client, "agent@shop.test", PASSWORD)
    secret = _enrol(client)
    _post(client, "/admin/two-factor/disable", code=code_at(secret, current_step() + 1))
    assert "is <strong>off</strong>" in client.get("/admin/two-factor").get_data(as_text=True)
    _enrol(client)
    result = runner("admin", "two-factor-off", "AGENT@shop.test")
    assert "two-factor is off for agent@shop.test" in result.output
    assert sign_in(app.test_client(), "agent@shop.test", PASSWORD).headers["Location"] == "/admin/"
    assert _audited(app, "shop.staff.two_factor_reset") == ["cli"]


def test_twenty_wrong_codes_at_once_get_only_five_code_checks(app, client, live_server):
    """A 401 is a code that was checked; a 429 was refused before any check."""
    import threading
    import time

    import requests

    _account(app)
    sign_in(client, "owner@shop.test", PASSWORD)
    _enrol(client)
    thief = requests.Session()  # knows the password, not the phone
    page = thief.get(f"{live_server.url}/admin/login", timeout=30).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    thief.post(
        f"{live_server.url}/admin/login",
        timeout=30,
        data={"csrf_token": csrf, "email": "owner@shop.test", "password": PASSWORD},
    )
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', thief.get(f"{live_server.url}/admin/login/code").text)[1]
    cookies, start, statuses = thief.cookies.get_dict(), threading.Barrier(20), []

    def guess(n: int) -> None:
        start.wait()
        for _ in range(3):  # a connection reset under load is tried again: it can only add a 429
            try:
                statuses.append(
                    requests.post(
                        f"{live_server.url}/admin/login/code",
                        cookies=cookies,
                        timeout=60,
                        allow_redirects=False,
                        data={"csrf_token": csrf, "code": f"{n:06d}"},
                    ).status_code
                )
                return
            except requests.ConnectionError:
                time.sleep(0.2)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [401] * 5 + [429] * 15
