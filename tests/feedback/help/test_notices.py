"""Proactive notes: each shown once in the widget and mailed once (through a real worker and SMTP
server) where the buyer gave an email; and the widget's view of the buyer's conversations."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import update

from app.core.audit import CLI
from app.core.db import utcnow
from app.core.extensions import db
from app.core.models import Order
from app.core.shop_settings import change_setting
from delivery.fulfil import fulfil
from feedback.help.notices import sweep_notices
from tests.feedback.aftersale import codes_of, delivered, report_via_page, staff, staff_post
from tests.shop import csrf_from, make_product, place, sandbox_webhook, stock, unique_codes


def _turn_on(app, **values):
    with app.app_context():
        for key, value in values.items():
            change_setting(db.session, CLI, key, value)
        db.session.remove()


def _sweep(app) -> int:
    with app.app_context():
        written = sweep_notices(db.session, 0)
        db.session.remove()
    return written


def _notes(client, orders=(), conversations=()):
    """What the widget gets, acknowledged as shown the way widget.js does."""
    answer = client.post("/widget/state", json={"orders": list(orders), "conversations": list(conversations)})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    state = answer.get_json()
    if state["notices"]:
        shown = [note["id"] for note in state["notices"]]
        assert client.post("/widget/seen", json={"notices": shown, "orders": list(orders)}).get_json()["marked"] == len(
            shown
        )
    return state


def _notes_mailed(smtp, count: int) -> list:
    return [mail for mail in smtp.wait_for(count) if mail["Subject"].startswith("About your order")]


def test_an_order_waiting_for_stock_too_long_is_told_once_in_the_widget_and_once_by_mail(smtp, app, client, worker):
    _turn_on(app, notice_backorder_minutes="30")
    make_product(app, "card")
    placed = place(app, "card", email="waiting@example.com")
    headers, body = sandbox_webhook(app, placed.number, 999)
    client.post("/webhooks/sandbox", data=body, headers=headers)
    with app.app_context():
        assert fulfil(db.session, placed.order_id) == "awaiting_stock"
        db.session.remove()
    assert _sweep(app) == 0  # not yet: it has waited minutes, not half an hour
    with app.app_context():
        db.session.execute(
            update(Order).where(Order.id == placed.order_id).values(paid_at=utcnow() - timedelta(minutes=31))
        )
        db.session.commit()
        db.session.remove()
    assert [_sweep(app), _sweep(app)] == [1, 0]
    [mail] = _notes_mailed(smtp, 2)  # the back-order mail itself, then our note
    assert mail["To"] == "waiting@example.com" and placed.number in mail["Subject"]
    assert "still waiting for stock" in mail.get_body(("plain",)).get_content()
    notes = _notes(client, orders=[placed.token])["notices"]
    assert [note["kind"] for note in notes] == ["backorder"] and notes[0]["url"] == f"/o/{placed.token}"
    assert _notes(client, orders=[placed.token])["notices"] == []  # shown once
    time.sleep(1)
    assert len(_notes_mailed(smtp, 2)) == 1  # and mailed once, though two sweeps enqueued it


def test_a_reported_code_and_a_product_page_opened_again_and_again_are_each_told_once(app, client):
    _turn_on(app, notice_reported="1", notice_repeat_views="3")
    stock(app, make_product(app, "card"), unique_codes(2))
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    report_via_page(client, placed.token, code_id, "already_used")
    assert _sweep(app) == 1
    other = app.test_client()
    stranger = other.post("/widget/state", json={"orders": [placed.token[:-1]]}).get_json()["notices"]
    assert stranger == []  # a truncated link is nobody's
    unacknowledged = other.post("/widget/state", json={"orders": [placed.token]}).get_json()["notices"]
    assert (
        other.post("/widget/seen", json={"notices": [unacknowledged[0]["id"]]}).get_json()["marked"] == 0
    )  # not theirs
    assert [note["kind"] for note in _notes(other, orders=[placed.token])["notices"]] == ["reported"]  # given again
    assert _notes(client, orders=[placed.token])["notices"] == []
    browsing = app.test_client()
    for _ in range(2):
        browsing.get("/p/card")
    assert _notes(browsing)["notices"] == []
    browsing.get("/p/card")
    [note] = _notes(browsing)["notices"]
    assert note["kind"] == "repeat_views" and "Card" in note["text"]
    browsing.get("/p/card")
    assert _notes(browsing)["notices"] == [] and _notes(app.test_client())["notices"] == []


def test_the_widget_sees_the_buyers_conversations_and_new_replies_and_nothing_else(app, client):
    opened = client.post(
        "/ask",
        data={
            "csrf_token": csrf_from(client, "/ask"),
            "email": "asker@example.com",
            "message": "Which region is the card for?",
        },
    )
    token = opened.headers["Location"].split("/c/")[1]
    [mine] = _notes(client, conversations=[token, token[:-1], "nope"])["conversations"]
    assert (mine["staff_replies"], mine["status"]) == (0, "open")
    agent = app.test_client()
    staff(app, agent)
    staff_post(agent, f"/admin/conversations/{mine['number']}/reply", body="It is for US accounts.")
    [mine] = _notes(app.test_client(), conversations=[token])["conversations"]
    assert (mine["staff_replies"], mine["latest_reply"]) == (1, "It is for US accounts.")
    assert client.post("/widget/state", data={"conversations": token}).status_code == 415  # JSON only
