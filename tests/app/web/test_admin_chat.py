"""The chat channels page: an owner adds a channel (its URL checked by Apprise, sealed, shown back
masked), sends a test, disables, enables and deletes it, each change audited; an agent may not;
hostile input is refused whole, naming the field."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.staff import create_staff
from delivery.chat.models import ChatChannel
from tests.delivery.chat.channels import receiver  # noqa: F401
from tests.shop import csrf_from, sign_in

PASSWORD = "a long staff password"


@pytest.fixture
def owner(app, client) -> None:
    with app.app_context():
        create_staff(db.session, "owner@shop.test", PASSWORD)
        create_staff(db.session, "agent@shop.test", PASSWORD, role="agent")
        db.session.remove()
    sign_in(client, "owner@shop.test", PASSWORD)


def _post(client, path: str, form: dict):
    return client.post(path, data={"csrf_token": csrf_from(client, "/admin/chat"), **form})


def _add(client, url: str, events=("order.paid",), name="Team chat"):
    return _post(client, "/admin/chat", {"name": name, "url": url, "events": list(events)})


def _channels(app) -> list[tuple[int, str, bool]]:
    with app.app_context():
        rows = db.session.execute(select(ChatChannel.id, ChatChannel.url_sealed, ChatChannel.enabled)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def _actions(app) -> list[str]:
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("shop.chat_channel.%")).order_by(AuditEntry.id)
        )
        found = list(actions)
        db.session.remove()
    return found


def test_add_test_disable_enable_delete_audited(app, client, owner, receiver):
    assert _add(client, receiver.apprise_url).status_code == 302
    [(channel_id, sealed, enabled)] = _channels(app)
    assert enabled and receiver.token not in sealed and "127.0.0.1" not in sealed  # sealed, not stored plain
    page = client.get("/admin/chat").get_data(as_text=True)
    assert "json://…hook" in page and receiver.token not in page and "A new paid order" in page
    assert _post(client, f"/admin/chat/{channel_id}/test", {}).status_code == 302
    assert "The test message was sent." in client.get("/admin/chat").get_data(as_text=True)
    assert len(receiver.bodies()) == 1 and "test message" in receiver.bodies()[0]
    receiver.failing = True
    _post(client, f"/admin/chat/{channel_id}/test", {})
    assert "The test message did not go" in client.get("/admin/chat").get_data(as_text=True)
    assert _post(client, f"/admin/chat/{channel_id}/enabled", {"enabled": "0"}).status_code == 302
    assert _channels(app)[0][2] is False and ">Enable<" in client.get("/admin/chat").get_data(as_text=True)
    assert _post(client, f"/admin/chat/{channel_id}/enabled", {"enabled": "1"}).status_code == 302
    assert _post(client, f"/admin/chat/{channel_id}/delete", {}).status_code == 302
    assert _channels(app) == []
    assert _post(client, f"/admin/chat/{channel_id}/delete", {}).status_code == 404
    assert _actions(app) == [
        "shop.chat_channel.added",
        "shop.chat_channel.disabled",
        "shop.chat_channel.enabled",
        "shop.chat_channel.deleted",
    ]


def test_an_agent_may_not_see_or_add_them(app, client, owner, receiver):
    client.post("/admin/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    sign_in(client, "agent@shop.test", PASSWORD)
    assert client.get("/admin/chat").status_code == 403
    token = csrf_from(client, "/admin/")
    response = client.post("/admin/chat", data={"csrf_token": token, "name": "x", "url": receiver.apprise_url})
    assert response.status_code == 403 and _channels(app) == []


@pytest.mark.parametrize(
    "form, named",
    [
        ({"url": "nosuchservice://token@host"}, "url"),  # Apprise knows no such scheme
        ({"url": "https//missing-colon"}, "url"),
        ({"url": ""}, "url"),
        ({"url": "json://127.0.0.1/" + "x" * 70_000}, "url"),
        ({"name": ""}, "name"),
        ({"name": "n" * 81}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "two\r\nlines"}, "name"),
        ({"url": "json://127.0.0.1/\tx"}, "url"),
        ({"events": ["order.paid", "no.such.event"]}, "events"),
        ({"events": [str(2**63)]}, "events"),
    ],
)
def test_hostile_input_is_refused_naming_the_field(app, client, owner, receiver, form, named):
    fields = {"name": "Team chat", "url": receiver.apprise_url, "events": ["order.paid"], **form}
    response = _post(client, "/admin/chat", fields)
    assert 400 <= response.status_code < 500 and named in response.get_data(as_text=True)
    assert _channels(app) == [] and _actions(app) == []


@pytest.mark.parametrize("path", ["/admin/chat/99999999999999999999/test", "/admin/chat/2147483647/delete"])
def test_no_such_channel_is_not_found(client, owner, path):
    assert _post(client, path, {"enabled": "1"}).status_code == 404
