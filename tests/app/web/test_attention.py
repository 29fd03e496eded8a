"""The dashboard shows what needs a person: failed mail (sent again on one click), failed or
stalled imports with their reason, and broken books."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.core.db import utcnow
from app.core.extensions import db
from delivery.ledger.alarm import check_if_due
from delivery.mail.log import MailLog
from delivery.worker import run_worker
from keystore.models import Code, ImportRun
from tests.feedback.aftersale import delivered, staff, staff_post
from tests.shop import make_product, stock, unique_codes


def _fail_the_delivery_mail(app, order_id: int) -> int:
    with app.app_context():
        db.session.execute(
            update(MailLog)
            .where(MailLog.order_id == order_id)
            .values(status="failed", last_error="SMTPRecipientsRefused: mailbox full")
        )
        db.session.commit()
        mail_id = db.session.scalar(select(MailLog.id).where(MailLog.order_id == order_id))
        db.session.remove()
    return mail_id


def test_failed_mail_is_shown_and_sent_again_once(smtp, app, client):
    stock(app, make_product(app, "card"), unique_codes(10))
    placed = delivered(app, client)
    mail_id = _fail_the_delivery_mail(app, placed.order_id)
    staff(app, client)
    page = client.get("/admin/").get_data(as_text=True)
    assert "mailbox full" in page and f"/admin/mail/{mail_id}/resend" in page
    assert staff_post(client, f"/admin/mail/{mail_id}/resend").status_code == 302
    app.extensions["keyshop.redis"].delete("rq:queue:delivery")  # the webhook's own job: not this test's
    run_worker(app, queues=("notify",), burst=True)
    assert [m["To"] for m in smtp.wait_for(1)] == ["buyer@example.com"]
    again = staff_post(client, f"/admin/mail/{mail_id}/resend", follow_redirects=True)  # a second click
    assert "not failed any more" in again.get_data(as_text=True)
    run_worker(app, queues=("notify",), burst=True)
    assert len(smtp.messages) == 1


def test_failed_and_stalled_imports_are_shown_with_their_reason(app, client):
    product_id = make_product(app, "card")
    with app.app_context():
        db.session.add_all(
            [
                ImportRun(
                    product_id=product_id,
                    name="march",
                    source="admin",
                    upload_path="/gone",
                    state="failed",
                    error="the upload file is gone (the worker's disk was wiped)",
                    total=10,
                ),
                ImportRun(
                    product_id=product_id,
                    name="april",
                    source="api",
                    upload_path="/x",
                    state="running",
                    heartbeat_at=utcnow() - timedelta(hours=1),
                    total=20,
                ),
                ImportRun(product_id=product_id, name="may", source="api", upload_path="/y", state="finished", total=5),
            ]
        )
        db.session.commit()
        db.session.remove()
    staff(app, client)
    page = client.get("/admin/").get_data(as_text=True)
    assert "Imports that need you" in page
    assert "march" in page and "the upload file is gone" in page
    assert "april" in page and "running with no sign of its job" in page
    assert "may" not in page.split("Imports that need you")[1].split("</section>")[0]


def test_broken_books_are_shown(app, client):
    stock(app, make_product(app, "card"), unique_codes(10))
    placed = delivered(app, client)
    staff(app, client)
    assert "The books are broken" not in client.get("/admin/").get_data(as_text=True)
    with app.app_context():
        db.session.execute(update(Code).where(Code.order_id == placed.order_id).values(status="available"))
        db.session.commit()
        check_if_due(db.session, app.config["KEYSHOP"], app.extensions["keyshop.redis"])
        db.session.remove()
    page = client.get("/admin/").get_data(as_text=True)
    assert "The books are broken" in page and "code_state_and_owner" in page
