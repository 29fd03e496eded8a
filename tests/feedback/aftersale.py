"""Helpers for after-sale tests: a delivered order, its codes, the buyer's and staff's forms."""

from __future__ import annotations

import re
import time

from sqlalchemy import func, select, update

from app.core.extensions import db
from app.core.staff import create_staff
from delivery.fulfil import fulfil
from feedback.jobs import decide_report
from feedback.models import CodeReport
from keystore.models import Batch, Code
from tests.shop import csrf_from, place, sandbox_webhook, sign_in, wait_for_status

PASSWORD = "a long staff password"


def delivered(app, client, slug="card", quantity=1, email="buyer@example.com", amount=999):
    """Placed, paid through a signed webhook, and delivered in-process (no worker needed). Where a
    test runs a worker too, the worker may take the order first: then it is waited for."""
    placed = place(app, slug, quantity=quantity, email=email)
    headers, body = sandbox_webhook(app, placed.number, amount * quantity)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    with app.app_context():
        outcome = fulfil(db.session, placed.order_id)
        db.session.remove()
    if outcome != "delivered":  # a worker running beside the test took the order first
        assert wait_for_status(app, placed.order_id, "delivered", 20) == "delivered"
    return placed


def codes_of(app, order_id: int) -> list[tuple[int, str]]:
    """(code id, state) of each code the order holds, in order."""
    with app.app_context():
        rows = db.session.execute(select(Code.id, Code.status).where(Code.order_id == order_id).order_by(Code.id)).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def report_via_page(client, token: str, code_id: int, reason="already_used", text=""):
    form = {"csrf_token": csrf_from(client, f"/o/{token}"), "code": code_id, "reason": reason, "text": text}
    return client.post(f"/o/{token}/report", data=form)


def review_via_page(client, token: str, stars, text="", csrf_page: str | None = None):
    form = {"csrf_token": csrf_from(client, csrf_page or f"/o/{token}"), "stars": stars, "text": text}
    return client.post(f"/o/{token}/review", data=form)


def report_of(app, code_id: int) -> CodeReport:
    with app.app_context():
        report = db.session.scalar(select(CodeReport).where(CodeReport.code_id == code_id))
        db.session.expunge_all()
        db.session.remove()
        return report


def wait_for_report(app, code_id: int, wanted, seconds: float = 20) -> CodeReport | None:
    """Until `wanted(report)` holds (a worker decides reports in its own process)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        report = report_of(app, code_id)
        if report is not None and wanted(report):
            return report
        time.sleep(0.05)
    return report_of(app, code_id)


def staff(app, client, email="agent@shop.test", role="agent"):
    with app.app_context():
        create_staff(db.session, email, PASSWORD, role=role)
        db.session.remove()
    sign_in(client, email, PASSWORD)


def staff_post(client, path: str, follow_redirects=False, **form):
    form["csrf_token"] = csrf_from(client, "/admin/")  # the sign-out form: on the page whatever the queue holds
    return client.post(path, data=form, follow_redirects=follow_redirects)


def page_codes(html: str) -> list[str]:
    return re.findall(r'<code class="code">([^<]+)</code>', html)


def report_and_decide(app, client, placed) -> str:
    """The buyer reports the order's first code from the order page; the policy's job decides it."""
    [(code_id, _), *_] = codes_of(app, placed.order_id)
    assert report_via_page(client, placed.token, code_id).status_code == 303
    with app.app_context():
        outcome = decide_report(report_of(app, code_id).id)
        db.session.remove()
    return outcome


def batch_named(app, name: str, **values) -> int:
    """The batch's id; `values` (a supplier, a threshold) are set on it first."""
    with app.app_context():
        if values:
            db.session.execute(update(Batch).where(Batch.name == name).values(**values))
            db.session.commit()
        batch_id = db.session.scalar(select(Batch.id).where(Batch.name == name))
        db.session.remove()
        return batch_id


def code_states(app, batch_id: int) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(Code.status, func.count()).where(Code.batch_id == batch_id).group_by(Code.status)
        ).all()
        db.session.remove()
        return dict(rows)


def on_hold(app, batch_id: int) -> bool:
    with app.app_context():
        held = db.session.scalar(select(Batch.on_hold).where(Batch.id == batch_id))
        db.session.remove()
        return held


def owner_told(app, email="owner@shop.test") -> None:
    """An owner, who is told of held batches and stock by default (delivery.notifications)."""
    with app.app_context():
        create_staff(db.session, email, "a long owner password")
        db.session.remove()
