"""Hostile text in every field a buyer or an agent writes outside the after-sale forms (those are in
tests/feedback/test_hostile_text.py): support openings, replies, notes, ratings, reply templates,
product questions, product instructions, blocklist reasons; inert on every page that shows them."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from feedback.support.models import Conversation
from tests.feedback.aftersale import delivered, staff, staff_post
from tests.feedback.test_hostile_text import HOSTILE, _inert
from tests.shop import csrf_from, make_product, stock, unique_codes


def _buyer_writes_everywhere(client, token) -> str:
    opened = client.post(
        f"/o/{token}/support",
        data={
            "csrf_token": csrf_from(client, f"/o/{token}/support"),
            "topic": "invoice",
            "message": HOSTILE,
            "name": HOSTILE,
        },
    )
    link = opened.headers["Location"]
    csrf = csrf_from(client, link)
    client.post(f"{link}/reply", data={"csrf_token": csrf, "message": HOSTILE})
    client.post(
        "/p/card/ask",
        data={
            "csrf_token": csrf_from(client, "/p/card/ask"),
            "email": "asker@example.com",
            "message": HOSTILE,
            "name": HOSTILE,
        },
    )
    return link


def test_hostile_support_and_staff_text_renders_inert_everywhere(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(2))
    placed = delivered(app, client)
    link = _buyer_writes_everywhere(client, placed.token)
    owner = app.test_client()
    staff(app, owner, "owner@shop.test", role="owner")
    with app.app_context():
        numbers = db.session.scalars(select(Conversation.number)).all()
        db.session.remove()
    for number in numbers:
        staff_post(owner, f"/admin/conversations/{number}/note", body=HOSTILE)
        staff_post(owner, f"/admin/conversations/{number}/reply", body=HOSTILE, resolve="1")
    client.post(f"{link}/rate", data={"csrf_token": csrf_from(client, link), "score": "1", "comment": HOSTILE})
    staff_post(owner, "/admin/reply-templates", name=HOSTILE[:60], locale="en", body=HOSTILE)
    staff_post(owner, f"/admin/products/{product_id}/instructions", instructions=HOSTILE)
    staff_post(owner, "/admin/blocks", kind="email", value="fraud@example.com", reason=HOSTILE)

    buyer_pages = [link, f"/o/{placed.token}", "/p/card"]
    staff_pages = [
        "/admin/inbox",
        "/admin/reply-templates",
        "/admin/blocks",
        "/admin/audit",
        "/admin/",
        f"/admin/orders/{placed.number}",
        f"/admin/products/{product_id}",
        *(f"/admin/conversations/{number}" for number in numbers),
    ]
    for reader, pages in ((client, buyer_pages), (owner, staff_pages)):
        for path in pages:
            response = reader.get(path)
            assert response.status_code == 200, path
            _inert(response.get_data(as_text=True))
    assert "alert(" in owner.get(f"/admin/conversations/{numbers[0]}").get_data(as_text=True)  # the words stay


def test_hostile_input_echoed_in_an_error_is_inert(app, client):
    make_product(app, "card")
    answer = client.post(
        "/checkout",
        data={
            "csrf_token": csrf_from(client, "/p/card"),
            "product": "card",
            "email": HOSTILE,
            "method": HOSTILE,
            "quantity": HOSTILE,
        },
    )
    assert answer.status_code in (400, 422)
    _inert(answer.get_data(as_text=True))
    lookup = client.post(
        "/lookup", data={"csrf_token": csrf_from(client, "/lookup"), "email": HOSTILE, "number": HOSTILE}
    )
    _inert(lookup.get_data(as_text=True))
