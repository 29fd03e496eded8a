"""Staff in the admin, as owners and members use it: an invitation mailed through a real SMTP server
by a real worker, the one-time link, role changes, deactivation and resets that end sessions at once,
a sign-out that ends the session on the server, and the audit log of each."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from app.core.audit import AuditEntry
from app.core.db import utcnow
from app.core.extensions import db
from app.core.staff import Staff
from app.core.staff_links import StaffLink
from tests.feedback.aftersale import PASSWORD, staff, staff_post
from tests.shop import csrf_from, sign_in

NEW_PASSWORD = "the newcomer's own password"


def _link(message) -> str:
    return re.search(r"http://127\.0\.0\.1:5000(/admin/join/[A-Za-z0-9_-]+)", message.get_content()).group(1)


def _join(client, path: str, password: str = NEW_PASSWORD, again: str | None = None):
    form = {"csrf_token": csrf_from(client, "/admin/login"), "password": password, "again": again or password}
    return client.post(path, data=form)


def _actions(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id)
        )
        found = [tuple(row) for row in rows]
        db.session.remove()
    return found


def _staff_id(app, email: str) -> int:
    with app.app_context():
        staff_id = db.session.scalar(select(Staff.id).where(Staff.email == email))
        db.session.remove()
    return staff_id


def test_an_invited_agent_gets_the_mail_sets_a_password_once_and_signs_in(smtp, app, client, worker):
    staff(app, client, "owner@shop.test", role="owner")
    answer = staff_post(client, "/admin/staff/invite", email="New.Agent@example.com", role="agent")
    assert answer.status_code == 302
    [mail] = smtp.wait_for(1)
    assert mail["To"] == "new.agent@example.com" and "owner@shop.test" in mail.get_content()
    path = _link(mail)

    newcomer = app.test_client()
    assert newcomer.get(path).status_code == 200
    assert _join(newcomer, path, again="a different password").status_code == 400  # names `again`
    assert _join(newcomer, path).status_code == 302
    used = newcomer.get(path)
    assert used.status_code == 410 and "used already" in used.get_data(as_text=True)
    assert _join(app.test_client(), path, "another long password").status_code == 410

    assert sign_in(newcomer, "new.agent@example.com", NEW_PASSWORD).status_code == 302
    assert newcomer.get("/admin/").status_code == 200
    assert newcomer.get("/admin/staff").status_code == 403  # agents manage no one
    agent = _staff_id(app, "new.agent@example.com")
    assert ("new.agent@example.com", "shop.staff.joined", f"staff:{agent}") in _actions(app)
    assert ("owner@shop.test", "shop.staff.invited") in [row[:2] for row in _actions(app)]


def test_an_expired_or_unknown_link_says_so_and_sets_nothing(app, client):
    staff(app, client, "owner@shop.test", role="owner")
    app.extensions["keyshop.redis"].flushdb()  # no worker: the link is read from the job's own source below
    staff_post(client, "/admin/staff/invite", email="late@example.com", role="agent")
    with app.app_context():
        from app.core.staff_links import link_mail

        token = link_mail(db.session, app.config["KEYSHOP"].secret_key, db.session.scalar(select(StaffLink.id))).token
        db.session.execute(update(StaffLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()
    expired = app.test_client().get(f"/admin/join/{token}")
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert _join(app.test_client(), f"/admin/join/{token}").status_code == 410
    assert app.test_client().get("/admin/join/not-a-link").status_code == 404
    assert _staff_id(app, "late@example.com") is None


def test_a_second_invitation_replaces_the_first_link(app, client):
    staff(app, client, "owner@shop.test", role="owner")
    app.extensions["keyshop.redis"].flushdb()
    for _ in range(2):
        staff_post(client, "/admin/staff/invite", email="twice@example.com", role="agent")
    with app.app_context():
        from app.core.staff_links import link_mail

        secret = app.config["KEYSHOP"].secret_key
        first, second = db.session.scalars(select(StaffLink.id).order_by(StaffLink.id)).all()
        assert link_mail(db.session, secret, first) is None  # its mail job would send nothing
        token = link_mail(db.session, secret, second).token
        db.session.remove()
    assert _join(app.test_client(), f"/admin/join/{token}").status_code == 302


def test_logging_out_ends_the_session_on_the_server(app, client):
    staff(app, client, "agent@shop.test")
    with client.session_transaction() as kept:
        copied = dict(kept)  # what a thief of the cookie would hold
    client.post("/admin/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(copied)
    assert thief.get("/admin/").status_code == 302
    actions = [row[1] for row in _actions(app)]
    assert actions == ["shop.staff.signed_in", "shop.staff.signed_out"]


def test_deactivating_ends_every_session_at_once_and_refuses_sign_in(app, client):
    staff(app, client, "owner@shop.test", role="owner")
    agent = app.test_client()
    staff(app, agent, "agent@shop.test")
    assert agent.get("/admin/").status_code == 200
    agent_id = _staff_id(app, "agent@shop.test")
    assert staff_post(client, f"/admin/staff/{agent_id}/deactivate").status_code == 302
    assert agent.get("/admin/").status_code == 302
    assert sign_in(agent, "agent@shop.test", PASSWORD).status_code == 401
    assert staff_post(client, f"/admin/staff/{agent_id}/reactivate").status_code == 302
    assert sign_in(agent, "agent@shop.test", PASSWORD).status_code == 302


def test_an_owner_resets_an_agents_password_the_old_one_stops_and_a_link_is_mailed(smtp, app, client, worker):
    staff(app, client, "owner@shop.test", role="owner")
    agent = app.test_client()
    staff(app, agent, "agent@shop.test")
    agent_id = _staff_id(app, "agent@shop.test")
    assert staff_post(client, f"/admin/staff/{agent_id}/password").status_code == 302
    assert agent.get("/admin/").status_code == 302  # their session ended
    assert sign_in(agent, "agent@shop.test", PASSWORD).status_code == 401
    [mail] = smtp.wait_for(1)
    assert mail["To"] == "agent@shop.test"
    assert _join(agent, _link(mail)).status_code == 302
    assert sign_in(agent, "agent@shop.test", NEW_PASSWORD).status_code == 302
    owner_id = _staff_id(app, "owner@shop.test")
    refused = staff_post(client, f"/admin/staff/{owner_id}/password")  # an owner's is their own to change
    assert refused.status_code == 400 and "staff:" in refused.get_data(as_text=True)


def test_own_password_change_ends_the_other_sessions_and_keeps_this_one(app, client):
    staff(app, client, "agent@shop.test")
    phone = app.test_client()
    sign_in(phone, "agent@shop.test", PASSWORD)
    wrong = staff_post(client, "/admin/password", current="not it at all", password=NEW_PASSWORD, again=NEW_PASSWORD)
    assert wrong.status_code == 400 and "current:" in wrong.get_data(as_text=True)
    changed = staff_post(client, "/admin/password", current=PASSWORD, password=NEW_PASSWORD, again=NEW_PASSWORD)
    assert changed.status_code == 302
    assert client.get("/admin/").status_code == 200 and phone.get("/admin/").status_code == 302
    assert "shop.staff.password_changed" in [row[1] for row in _actions(app)]


def test_refusals_answer_4xx_naming_the_field_and_change_nothing(app, client):
    staff(app, client, "owner@shop.test", role="owner")
    owner_id = _staff_id(app, "owner@shop.test")
    cases = [
        ("/admin/staff/invite", {"email": "not an address", "role": "agent"}, 400, "email:"),
        ("/admin/staff/invite", {"email": "x@example.com", "role": "root"}, 400, "role:"),
        ("/admin/staff/invite", {"email": "owner@shop.test", "role": "agent"}, 400, "email:"),
        (f"/admin/staff/{owner_id}/role", {"role": "agent"}, 400, "last active owner"),
        (f"/admin/staff/{owner_id}/deactivate", {}, 400, "last active owner"),
        ("/admin/staff/999999/deactivate", {}, 404, "staff:"),
    ]
    before = _actions(app)
    for path, form, status, words in cases:
        answer = staff_post(client, path, **form)
        assert (answer.status_code, words in answer.get_data(as_text=True)) == (status, True), path
    assert _actions(app) == before


def test_sign_ins_are_audited_failures_too(app, client):
    staff(app, client, "agent@shop.test")
    sign_in(app.test_client(), "agent@shop.test", "a wrong password here")
    sign_in(app.test_client(), "nobody@example.com", "a wrong password here")
    agent = _staff_id(app, "agent@shop.test")
    assert [row for row in _actions(app)] == [
        ("agent@shop.test", "shop.staff.signed_in", f"staff:{agent}"),
        ("agent@shop.test", "shop.staff.sign_in_failed", f"staff:{agent}"),
        ("nobody@example.com", "shop.staff.sign_in_failed", ""),
    ]


def test_uploads_and_settings_changes_are_audited(app, client):
    from tests.shop import make_product, unique_codes

    product_id = make_product(app, "card")
    staff(app, client, "owner@shop.test", role="owner")
    staff_post(client, f"/admin/products/{product_id}/upload", codes="\n".join(unique_codes(2)), supplier="acme")
    staff_post(client, f"/admin/products/{product_id}/upload", codes="\n".join(unique_codes(1)), dry_run="1")
    staff_post(client, "/admin/two-factor/owners", required="1")
    audited = [row for row in _actions(app) if row[1] != "shop.staff.signed_in"]
    assert [row[:2] for row in audited] == [
        ("owner@shop.test", "keystore.batch.imported"),  # the dry run changed nothing and is not
        ("owner@shop.test", "shop.setting.changed"),
    ]


def test_the_staff_page_lists_members_and_waiting_invitations_and_resets_two_factor(app, client):
    staff(app, client, "owner@shop.test", role="owner")
    app.extensions["keyshop.redis"].flushdb()
    staff_post(client, "/admin/staff/invite", email="soon@example.com", role="owner")
    staff(app, app.test_client(), "agent@shop.test")
    agent_id = _staff_id(app, "agent@shop.test")
    with app.app_context():
        db.session.execute(update(Staff).where(Staff.id == agent_id).values(totp_secret="JBSWY3DPEHPK3PXP"))
        db.session.commit()
        db.session.remove()
    page = client.get("/admin/staff").get_data(as_text=True)
    assert "agent@shop.test" in page and "soon@example.com" in page and "Reset two-factor" in page
    assert staff_post(client, f"/admin/staff/{agent_id}/two_factor").status_code == 302
    assert "Reset two-factor" not in client.get("/admin/staff").get_data(as_text=True)
    assert ("owner@shop.test", "shop.staff.two_factor_reset", f"staff:{agent_id}") in _actions(app)
    german = client.get("/admin/staff?lang=de").get_data(as_text=True)
    assert "Neues Teammitglied einladen" in german
