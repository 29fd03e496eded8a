"""The notification settings: owners choose who is told of what; agents may not; hostile input is
refused whole, naming the field."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.staff import create_staff
from delivery.notifications.subscriptions import StaffNotification, subscribers
from tests.shop import csrf_from, sign_in

PASSWORD = "a long staff password"


@pytest.fixture
def team(app, client) -> tuple[int, int]:
    with app.app_context():
        owner = create_staff(db.session, "owner@shop.test", PASSWORD)
        agent = create_staff(db.session, "agent@shop.test", PASSWORD, role="agent")
        db.session.remove()
    sign_in(client, "owner@shop.test", PASSWORD)
    return owner, agent


def _post(client, form: dict):
    return client.post("/admin/notifications", data={"csrf_token": csrf_from(client, "/admin/notifications"), **form})


def _told(app, event: str, mode: str = "each") -> list[str]:
    with app.app_context():
        emails = subscribers(db.session, event, mode)
        db.session.remove()
    return emails


def test_the_owner_sees_the_defaults_and_saves_choices_audited(app, client, team):
    owner, agent = team
    page = client.get("/admin/notifications").get_data(as_text=True)
    assert f'name="mode:{agent}:order.paid"' in page and "Daily digest" in page
    assert 'href="/admin/notifications"' in client.get("/admin/").get_data(as_text=True)
    german = client.get("/admin/notifications", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Benachrichtigungen" in german and "Tägliche Übersicht" in german
    assert _told(app, "stock.low") == ["owner@shop.test"] and _told(app, "order.paid") == []
    response = _post(client, {f"mode:{agent}:order.paid": "digest", f"mode:{owner}:stock.low": "off"})
    assert response.status_code == 302
    assert _told(app, "order.paid", "digest") == ["agent@shop.test"] and _told(app, "stock.low") == []
    assert _told(app, "report.held") == []  # the owner saved: what was not chosen is off
    with app.app_context():
        detail = db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "shop.notifications.changed"))
        db.session.remove()
    assert "order.paid=digest" in detail


def test_an_agent_may_not_see_or_change_them(app, client, team):
    owner, agent = team
    client.post("/admin/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    sign_in(client, "agent@shop.test", PASSWORD)
    assert client.get("/admin/notifications").status_code == 403
    token = csrf_from(client, "/admin/")
    response = client.post("/admin/notifications", data={"csrf_token": token, f"mode:{agent}:stock.low": "each"})
    assert response.status_code == 403 and _told(app, "stock.low") == ["owner@shop.test"]


@pytest.mark.parametrize(
    "field, value, named",
    [
        ("mode:{agent}:no.such.event", "each", "event"),
        ("mode:{agent}:stock.low", "digest", "mode"),  # a digest only for new paid orders
        ("mode:{agent}:stock.low", "loud", "mode"),
        ("mode:99999999999999999999:stock.low", "each", "staff"),
        ("mode:2147483647:stock.low", "each", "staff"),
        ("mode:{agent}:stock.low", "each\x00", "mode"),
        ("mode:x\x00:stock.low", "each", "mode:x"),
    ],
)
def test_hostile_input_is_refused_whole_naming_the_field(app, client, team, field, value, named):
    owner, agent = team
    form = {f"mode:{agent}:order.paid": "each", field.format(agent=agent): value}
    response = _post(client, form)
    assert response.status_code == 400 and named in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(StaffNotification)).all() == []  # nothing half-written
        db.session.remove()
