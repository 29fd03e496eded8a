"""Conversations from the buyer's side: pre-sale questions, secret links, attachments, reopening."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.core.extensions import db
from feedback.support.models import Attachment, Conversation
from tests.feedback.aftersale import delivered, staff, staff_post
from tests.shop import csrf_from, make_product, stock, unique_codes

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _ask(client, message="Does it work in Germany?", email="q@example.com", **extra):
    data = {"csrf_token": csrf_from(client, "/p/card/ask"), "email": email, "message": message, **extra}
    return client.post("/p/card/ask", data=data, headers={"Accept-Language": "de-DE"})


def test_a_pre_sale_question_needs_an_email_and_opens_a_conversation_in_the_buyers_language(app, client):
    make_product(app, "card")
    assert "Ask a question about Card" in client.get("/p/card").get_data(as_text=True)
    refused = _ask(client, email="not an address")
    assert refused.status_code == 400 and "E-Mail: eine Adresse, an die wir antworten können" in refused.get_data(
        as_text=True
    )  # in the buyer's language
    empty = _ask(client, message="  ")
    assert empty.status_code == 400 and "Nachricht: schreiben Sie, was Sie brauchen" in empty.get_data(as_text=True)
    assert _ask(client).status_code == 303
    with app.app_context():
        c = db.session.scalar(select(Conversation))
        assert (c.kind, c.topic, c.order_id, c.locale, c.email) == ("presale", "question", None, "de", "q@example.com")
        db.session.remove()


def test_another_conversations_link_or_a_truncated_one_is_404(app, client):
    make_product(app, "card")
    mine = _ask(client).headers["Location"]
    theirs = _ask(client, email="other@example.com", image=(io.BytesIO(PNG), "shot.png")).headers["Location"]
    with app.app_context():
        their_file = db.session.scalar(select(Attachment.id))
        db.session.remove()
    assert client.get(theirs + f"/files/{their_file}").status_code == 200
    assert client.get(mine + f"/files/{their_file}").status_code == 404  # a file is reached only through its own link
    for wrong in (mine[:-1], mine[:-1] + ("A" if mine[-1] != "A" else "B"), "/c/" + "x" * 80, "/c/"):
        assert client.get(wrong).status_code == 404, wrong
    form = {"csrf_token": csrf_from(client, mine), "message": "hi"}
    assert client.post(theirs[:-2] + "/reply", data=form).status_code == 404


def test_attachments_are_small_images_only(app, client):
    make_product(app, "card")
    too_big = _ask(client, image=(io.BytesIO(PNG + b"\x00" * (2 * 1024 * 1024)), "big.png"))
    assert too_big.status_code == 400 and "höchstens 2 MB" in too_big.get_data(as_text=True)
    script = _ask(client, image=(io.BytesIO(b"<svg onload=alert(1)>"), "x.png"))
    assert script.status_code == 400 and "ein PNG-, JPEG- oder GIF-Bild" in script.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Conversation.id)) is None  # nothing half-stored
        db.session.remove()
    served = client.get(_ask(client, image=(io.BytesIO(PNG), "a.png")).headers["Location"] + "/files/1")
    assert served.headers["Content-Type"] == "image/png" and served.headers["X-Content-Type-Options"] == "nosniff"


def test_a_buyer_message_reopens_a_resolved_conversation_and_a_note_never_shows(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(1))
    placed = delivered(app, client)
    link = client.post(
        f"/o/{placed.token}/support",
        data={
            "csrf_token": csrf_from(client, f"/o/{placed.token}/support"),
            "topic": "invoice",
            "message": "Invoice please",
        },
    ).headers["Location"]
    staff(app, client)
    with app.app_context():
        number = db.session.scalar(select(Conversation.number))
        db.session.remove()
    staff_post(client, f"/admin/conversations/{number}/note", body="<b>NOTE-ONLY-STAFF</b>")
    staff_post(client, f"/admin/conversations/{number}/resolve")
    client.post(f"{link}/reply", data={"csrf_token": csrf_from(client, link), "message": "One more thing"})
    with app.app_context():
        c = db.session.scalar(select(Conversation))
        assert (c.status, c.reopened, c.resolved_at, c.first_response_at) == ("open", 1, None, None)
        assert c.reply_due_at is not None
        db.session.remove()
    assert "NOTE-ONLY-STAFF" not in client.get(link).get_data(as_text=True)
    assert "NOTE-ONLY-STAFF" in client.get(f"/admin/conversations/{number}").get_data(as_text=True)
    assert "Contact support about this order" in client.get(f"/o/{placed.token}").get_data(as_text=True)
