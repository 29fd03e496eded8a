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


def _edit(client, channel_id: int, **form):
    fields = {"name": "Team chat", "events": ["order.paid"], "enabled": "1", **form}
    return _post(client, f"/admin/chat/{channel_id}", fields)


def _channel(app, channel_id: int) -> tuple:
    with app.app_context():
        found = db.session.get(ChatChannel, channel_id)
        row = (found.name, found.events, found.enabled, found.url_sealed, found.url_hint)
        db.session.remove()
    return row


def _details(app) -> list[str]:
    with app.app_context():
        details = db.session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "shop.chat_channel.changed").order_by(AuditEntry.id)
        )
        found = list(details)
        db.session.remove()
    return found


def test_name_events_and_enabled_are_edited_and_the_url_kept_unless_a_new_one_is_typed(app, client, owner, receiver):
    _add(client, receiver.apprise_url)
    [(channel_id, sealed, _)] = _channels(app)
    assert 'value="Team chat"' in client.get("/admin/chat").get_data(as_text=True)  # the edit form, filled in

    edited = _edit(client, channel_id, name="Sales", events=["order.paid", "stock.low"], enabled="1", url="  ")
    assert edited.status_code == 302
    assert _channel(app, channel_id) == ("Sales", "order.paid,stock.low", True, sealed, "json://…hook")
    assert _edit(client, channel_id, name="Sales", events=["stock.low"]).status_code == 302
    assert _edit(client, channel_id, name="Sales", events=["stock.low"], enabled="0").status_code == 302
    assert _channel(app, channel_id)[1:3] == ("stock.low", False)

    new_url = receiver.apprise_url.replace("/hook", "/other")
    assert _edit(client, channel_id, name="Sales", events=["stock.low"], url=new_url).status_code == 302
    name, _, enabled, resealed, hint = _channel(app, channel_id)
    assert resealed != sealed and receiver.token not in resealed and hint == "json://…ther" and enabled is True
    page = client.get("/admin/chat").get_data(as_text=True)
    assert "json://…ther" in page and receiver.token not in page
    assert _post(client, f"/admin/chat/{channel_id}/test", {}).status_code == 302
    assert receiver.paths() == ["/other"]  # the new URL is the one used

    assert _actions(app)[1:] == ["shop.chat_channel.changed"] * 4
    assert _details(app) == [
        "name: 'Team chat' -> 'Sales'; events: 'order.paid' -> 'order.paid,stock.low'",
        "events: 'order.paid,stock.low' -> 'stock.low'",
        "enabled: True -> False",
        "url_hint: 'json://…hook' -> 'json://…ther'; enabled: False -> True; URL replaced",
    ]
    assert not any(receiver.token in detail for detail in _details(app))


def test_an_edit_drops_what_the_channel_no_longer_receives(app, client, owner, receiver):
    from tests.delivery.chat.channels import statuses, told

    _add(client, receiver.apprise_url, events=("order.paid", "order.awaiting_stock"))
    [(channel_id, _, _)] = _channels(app)
    told(app, "order.awaiting_stock", "7", number="KS-7")
    told(app, "order.paid", "8", number="KS-8")
    _edit(client, channel_id, events=["order.paid"])
    assert statuses(app) == {"event:order.awaiting_stock:7": "dropped", "event:order.paid:8": "pending"}
    _edit(client, channel_id, events=["order.paid"], enabled="0")
    assert statuses(app) == {"event:order.awaiting_stock:7": "dropped", "event:order.paid:8": "dropped"}


@pytest.mark.parametrize(
    "form, named",
    [
        ({"url": "nosuchservice://token@host"}, "url"),
        ({"url": "json://127.0.0.1/" + "x" * 70_000}, "url"),
        ({"url": "json://127.0.0.1/\tx"}, "url"),
        ({"name": ""}, "name"),
        ({"name": "n" * 81}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "a\x7fb"}, "name"),
        ({"name": "two\r\nlines"}, "name"),
        ({"events": ["order.paid", "no.such.event"]}, "events"),
        ({"events": [str(2**63)]}, "events"),
        ({"enabled": "yes"}, "enabled"),
        ({"enabled": str(2**64)}, "enabled"),
    ],
)
def test_a_hostile_edit_is_refused_naming_the_field_and_changes_nothing(app, client, owner, receiver, form, named):
    _add(client, receiver.apprise_url)
    [(channel_id, _, _)] = _channels(app)
    before = _channel(app, channel_id)
    response = _edit(client, channel_id, **form)
    assert 400 <= response.status_code < 500 and named in response.get_data(as_text=True)
    assert _channel(app, channel_id) == before and _actions(app) == ["shop.chat_channel.added"]


def test_an_agent_may_not_edit_and_no_such_channel_is_not_found(app, client, owner, receiver):
    _add(client, receiver.apprise_url)
    [(channel_id, _, _)] = _channels(app)
    assert _edit(client, 2147483647).status_code == 404
    assert _edit(client, 99999999999999999999).status_code == 404
    client.post("/admin/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    sign_in(client, "agent@shop.test", PASSWORD)
    token = csrf_from(client, "/admin/")
    response = client.post(f"/admin/chat/{channel_id}", data={"csrf_token": token, "name": "x", "enabled": "1"})
    assert response.status_code == 403 and _channel(app, channel_id)[0] == "Team chat"
