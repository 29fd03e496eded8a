"""The whole support round trip over HTTP, a real worker and a real SMTP server on loopback."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from app.core.extensions import db
from feedback.support.models import Conversation, Rating
from tests.feedback.aftersale import delivered, staff, staff_post
from tests.shop import csrf_from, make_product, stock, unique_codes

NOTE = "internal: refunded twice before, SECRET-NOTE-7731"


def _mails_matching(smtp, address: str, wanted, seconds: float = 30):
    """The mails to `address` that `wanted` accepts, once one has come, however many others (the
    order's own) arrive before or after it; a second match would come right behind the first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(m["To"] == address and wanted(m) for m in smtp.messages):
            time.sleep(0.5)
            break
        time.sleep(0.05)
    return [m for m in smtp.messages if m["To"] == address and wanted(m)]


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_buyer_writes_agent_replies_with_a_template_buyer_answers_agent_resolves_buyer_rates(smtp, app, client, worker):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(2))
    placed = delivered(app, client, email="ana@example.com")
    form = client.get(f"/o/{placed.token}/support").get_data(as_text=True)
    assert placed.number in form and 'value="defective_code" checked' in form  # suggested for a delivered order

    opened = client.post(
        f"/o/{placed.token}/support",
        data={
            "csrf_token": csrf_from(client, f"/o/{placed.token}/support"),
            "topic": "defective_code",
            "message": "The code says it was already redeemed",
            "name": "Ana",
        },
    )
    assert opened.status_code == 303
    link = opened.headers["Location"]
    [welcome] = _mails_matching(smtp, "ana@example.com", lambda m: link.split("/c/")[1] in _text(m))
    with app.app_context():
        conversation = db.session.scalar(select(Conversation))
        number = conversation.number
        assert (conversation.order_id, conversation.kind, conversation.status) == (placed.order_id, "problem", "open")
        db.session.remove()

    staff(app, client)
    staff_post(client, "/admin/reply-templates", name="Sorry", locale="de", body="Hallo {buyer_name}!")
    staff_post(
        client,
        "/admin/reply-templates",
        name="Sorry",
        locale="en",
        body="Hello {buyer_name}, about {order_number} ({product}): a new code is on your order page.",
    )
    page = client.get(f"/admin/conversations/{number}").get_data(as_text=True)
    filled = f"Hello Ana, about {placed.number} (Card): a new code is on your order page."
    assert page.index("Sorry (en)") < page.index("Sorry (de)") and filled in page
    assert placed.number in page and "already redeemed" in page  # the order beside the conversation
    staff_post(client, f"/admin/conversations/{number}/note", body=NOTE)
    staff_post(client, f"/admin/conversations/{number}/reply", body=filled)

    [answered] = _mails_matching(smtp, "ana@example.com", lambda m: filled in _text(m))
    assert link.split("/c/")[1] in _text(answered)
    buyer_page = client.get(link).get_data(as_text=True)
    assert filled in buyer_page and "SECRET-NOTE" not in buyer_page

    client.post(f"{link}/reply", data={"csrf_token": csrf_from(client, link), "message": "Works now, thanks"})
    with app.app_context():
        assert db.session.scalar(select(Conversation.status)) == "open"
        db.session.remove()
    staff_post(client, f"/admin/conversations/{number}/reply", body="Glad to hear it.", resolve="1")
    survey = _mails_matching(smtp, "ana@example.com", lambda m: "How did we do" in m["Subject"])
    assert len(survey) == 1 and f"{link.split('/c/')[1]}#rate" in _text(survey[0])

    assert client.get(f"{link}/rate?score=1").status_code == 405  # a link scanner cannot rate
    rate_form = {"csrf_token": csrf_from(client, link), "score": "5", "comment": "fast"}
    assert client.post(f"{link}/rate", data=rate_form).status_code == 303
    again = client.post(f"{link}/rate", data={**rate_form, "score": "1"}, follow_redirects=True)
    assert "rated already" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Rating.score, Rating.comment)).all() == [(5, "fast")]
        db.session.remove()
    for message in smtp.messages:
        assert "SECRET-NOTE" not in message.as_string()
    assert not re.search("SECRET-NOTE", client.get(link).get_data(as_text=True))
