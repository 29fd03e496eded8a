"""Issue 22: a held report is work with a deadline. Its first decision is due the owner's minutes
after the hold; the team is warned once at 80% of that time and told once when it passes (mail to
the subscribed, chat too), however many sweepers run at once; the queue and the metrics show it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from app.core.audit import AuditEntry
from app.core.extensions import db
from feedback.held_deadlines import notify_held_reports
from feedback.models import CodeReport
from feedback.report_metrics import ReportHandling, report_handling
from tests.delivery.chat.channels import add, receiver, run_job, statuses  # noqa: F401
from tests.delivery.notifications.staff import OWNER, addressed
from tests.feedback.aftersale import batch_named, codes_of, delivered, report_and_decide, report_of, staff, staff_post
from tests.mail import drain_now, mail_rows
from tests.processes import KeyshopCommand
from tests.shop import make_product, set_product, stock, unique_codes


def _held(app, client, count: int = 1, slug: str = "card") -> list[int]:
    """`count` reports the product's policy held for staff; their ids."""
    product_id = make_product(app, slug)
    set_product(app, product_id, report_policy="hold")
    stock(app, product_id, unique_codes(count + 2), name=slug)
    batch_named(app, slug, complaint_min_reports=100)  # the reports never hold the batch here
    ids = []
    for n in range(count):
        placed = delivered(app, client, email=f"held{n}@example.com")
        assert report_and_decide(app, client, placed) == "held"
        ids.append(report_of(app, codes_of(app, placed.order_id)[0][0]).id)
    return ids


def _times(app, report_id: int) -> tuple[datetime, datetime]:
    """(held at, decision due at)."""
    with app.app_context():
        row = db.session.execute(
            select(CodeReport.held_at, CodeReport.decision_due_at).where(CodeReport.id == report_id)
        ).one()
        db.session.remove()
    return tuple(row)


def _set(app, report_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(update(CodeReport).where(CodeReport.id == report_id).values(**values))
        db.session.commit()
        db.session.remove()


def _sweep(app, now: datetime) -> int:
    with app.app_context():
        told = notify_held_reports(db.session, now=now)
        db.session.remove()
    return told


def test_a_held_report_is_due_the_owners_minutes_after_its_hold(app, client):
    staff(app, client, OWNER, role="owner")
    [first] = _held(app, client)
    held_at, due = _times(app, first)
    assert due - held_at == timedelta(minutes=60)  # the default
    page = client.get("/admin/reports").get_data(as_text=True)
    assert f"decision due {due:%Y-%m-%d %H:%M} UTC" in page and 'name="minutes" value="60"' in page

    for bad in ("0", "abc", "20161", "99999999999999999999", "-5"):
        answer = staff_post(client, "/admin/reports/deadline", follow_redirects=True, minutes=bad)
        assert "report_decision_minutes: a whole number from 1 to 20160" in answer.get_data(as_text=True), bad
    assert staff_post(client, "/admin/reports/deadline", minutes="\x00").status_code == 400
    assert "Report decision deadline saved" in staff_post(
        client, "/admin/reports/deadline", follow_redirects=True, minutes="90"
    ).get_data(as_text=True)
    [second] = _held(app, client, slug="other")
    held_at, due = _times(app, second)
    assert due - held_at == timedelta(minutes=90)
    assert _times(app, first)[1] - _times(app, first)[0] == timedelta(minutes=60)  # held before: kept
    with app.app_context():
        changes = db.session.scalars(select(AuditEntry.target).where(AuditEntry.action == "shop.settings.changed"))
        assert list(changes) == ["report_decision_minutes"]
        db.session.remove()


def test_an_agent_may_not_change_the_deadline(app, client):
    staff(app, client)
    answer = staff_post(client, "/admin/reports/deadline", minutes="5")
    assert answer.status_code in (302, 403)
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "shop.settings.changed")) is None
        db.session.remove()


def test_the_team_is_warned_once_before_the_deadline_and_told_once_after_it(smtp, app, client):
    staff(app, client, OWNER, role="owner")  # an owner is told of every event by default
    late, decided = _held(app, client, 2)
    held_at, due = _times(app, late)
    assert _sweep(app, held_at + timedelta(minutes=47)) == 0  # under 80% of the hour
    assert _sweep(app, held_at + timedelta(minutes=49)) == 2  # both warned
    assert _sweep(app, held_at + timedelta(minutes=55)) == 0
    staff_post(client, f"/admin/reports/{decided}/reject", message="it works")
    assert _sweep(app, due + timedelta(minutes=1)) == 1  # only the undecided one is overdue
    assert _sweep(app, due + timedelta(hours=5)) == 0
    drain_now(app)
    assert addressed(smtp, "Report due soon") == [{OWNER}, {OWNER}]
    assert addressed(smtp, "Report overdue") == [{OWNER}]
    overdue = [m for m in smtp.messages if str(m["Subject"]).startswith("Report overdue")][0]
    assert f"/admin/reports#report-{late}" in overdue.get_payload(decode=True).decode()

    _set(app, late, decision_due_at=due + timedelta(hours=6))  # a new deadline: told again, once
    assert _sweep(app, due + timedelta(hours=7)) == 1
    assert len(mail_rows(app, "event:report.overdue:%")) == 2


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_four_sweepers_at_once_tell_each_deadline_once(smtp, app, client, shop_env, receiver):
    """Four `keyshop sweep` processes started together on PostgreSQL: each overdue report is owed one
    mail and one chat line; the team chat gets them in one message."""
    staff(app, client, OWNER, role="owner")
    channel = add(app, receiver.apprise_url, ("report.overdue",))
    reports = _held(app, client, 3)
    long_ago = datetime(2026, 1, 5, 9, 0)
    for report_id in reports:
        _set(app, report_id, held_at=long_ago, decision_due_at=long_ago + timedelta(hours=1))
    sweepers = [KeyshopCommand(shop_env, "sweep") for _ in range(4)]
    finished = [sweeper.finish() for sweeper in sweepers]
    outputs = [run.output.strip() for run in finished]
    assert [run.returncode for run in finished] == [0] * 4, outputs
    told = [int(out.rsplit("; ", 1)[-1].split()[0]) for out in outputs]
    assert sum(told) == 3, outputs
    assert sorted(mail_rows(app, "event:report.overdue:%")) == sorted(
        f"event:report.overdue:{r}:{long_ago + timedelta(hours=1):%Y-%m-%dT%H:%M:%S}" for r in reports
    )
    drain_now(app)
    assert addressed(smtp, "Report overdue") == [{OWNER}] * 3
    assert sorted(statuses(app)) == sorted(mail_rows(app, "event:report.overdue:%"))
    assert run_job(app, channel) == "sent"
    [body] = receiver.bodies()
    assert body.startswith("A held report past its decision deadline (3): ")


def test_held_reports_wait_in_the_team_inbox_with_their_deadline_marks(app, client):
    waiting, soon, late = _held(app, client, 3)
    now = datetime.now(UTC).replace(tzinfo=None)
    _set(app, soon, held_at=now - timedelta(minutes=55), decision_due_at=now + timedelta(minutes=5))
    _set(app, late, held_at=now - timedelta(hours=3), decision_due_at=now - timedelta(hours=2))
    staff(app, client)
    page = client.get("/admin/inbox").get_data(as_text=True)
    section = page[page.index('id="held-reports"') :]
    rows = re.findall(r'<tr class="held-report (\w+)">\s*<td><a href="/admin/reports#report-(\d+)">', section)
    assert rows == [("overdue", str(late)), ("due_soon", str(soon)), ("waiting", str(waiting))]  # nearest first
    assert "overdue since" in section and "due soon:" in section
    staff_post(client, f"/admin/reports/{late}/reject", message="it works")
    section = client.get("/admin/inbox").get_data(as_text=True)
    assert f"#report-{late}" not in section and f"#report-{soon}" in section  # decided: off the queue


def test_report_handling_time_sits_beside_the_support_times(app, client):
    reports = _held(app, client, 4)
    now = datetime.now(UTC).replace(tzinfo=None)
    held_at = now - timedelta(hours=10)
    staff(app, client)
    for report_id in reports[:3]:
        staff_post(client, f"/admin/reports/{report_id}/reject", message="it works")
    for report_id, hours in zip(reports, (1, 2, 3, None)):
        resolved = {"resolved_at": held_at + timedelta(hours=hours)} if hours else {}
        _set(app, report_id, held_at=held_at, decision_due_at=held_at + timedelta(minutes=90), **resolved)
    with app.app_context():
        week = report_handling(db.session, 7)
        db.session.remove()
    assert week == ReportHandling(7, decided=3, hours=(2.0, 3.0), due=4, late=3)  # 2 h, 3 h and the one waiting
    page = client.get("/admin/support/metrics").get_data(as_text=True)
    section = page[page.index('id="report-handling"') :]
    assert section.count("2.0 h / 3.0 h") == 3 and section.count("3 of 4 due") == 3
