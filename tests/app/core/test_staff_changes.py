"""Owners manage staff through app.core.staff_changes: the shop never loses its last active owner,
however the changes race, and every change is audited."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.core.audit import Actor, AuditEntry, NotAllowed
from app.core.extensions import db
from app.core.staff import Staff, StaffError, create_staff
from app.core.staff_changes import change_role, deactivate, reactivate, reset_two_factor

PASSWORD = "a long staff password"


def _accounts(app, *roles) -> list[int]:
    with app.app_context():
        ids = [create_staff(db.session, f"{role}{n}@shop.test", PASSWORD, role) for n, role in enumerate(roles)]
        db.session.remove()
    return ids


def _owner(n: int = 0) -> Actor:
    return Actor(f"owner{n}@shop.test", "owner")


def _rows(app) -> dict[int, tuple[str, bool]]:
    with app.app_context():
        rows = {
            row.id: (row.role, row.active) for row in db.session.execute(select(Staff.id, Staff.role, Staff.active))
        }
        db.session.remove()
    return rows


def test_the_last_active_owner_can_be_neither_demoted_nor_deactivated(app):
    [owner] = _accounts(app, "owner")
    with app.app_context():
        for change in (
            lambda: change_role(db.session, _owner(), owner, "agent"),
            lambda: deactivate(db.session, _owner(), owner),
        ):
            with pytest.raises(StaffError, match="last active owner"):
                change()
        db.session.remove()
    assert _rows(app) == {owner: ("owner", True)}


def test_an_owner_demotes_another_and_deactivates_an_agent_audited(app):
    first, second, agent = _accounts(app, "owner", "owner", "agent")
    with app.app_context():
        change_role(db.session, _owner(0), second, "agent")
        deactivate(db.session, _owner(0), agent)
        with pytest.raises(StaffError, match="role: already agent"):
            change_role(db.session, _owner(0), second, "agent")
        with pytest.raises(StaffError, match="no such account"):
            deactivate(db.session, _owner(0), 999_999)
        reactivate(db.session, _owner(0), agent)
        audited = db.session.execute(select(AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id)).all()
        db.session.remove()
    assert _rows(app) == {first: ("owner", True), second: ("agent", True), agent: ("agent", True)}
    assert [tuple(row) for row in audited] == [
        ("shop.staff.role_changed", f"staff:{second}"),
        ("shop.staff.deactivated", f"staff:{agent}"),
        ("shop.staff.reactivated", f"staff:{agent}"),
    ]


def test_an_agent_manages_no_one(app):
    _, agent = _accounts(app, "owner", "agent")
    with app.app_context(), pytest.raises(NotAllowed):
        change_role(db.session, Actor("agent1@shop.test", "agent"), agent, "owner")


def test_resetting_two_factor_turns_it_off_once(app):
    owner, agent = _accounts(app, "owner", "agent")
    with app.app_context():
        db.session.execute(Staff.__table__.update().where(Staff.id == agent).values(totp_secret="JBSWY3DPEHPK3PXP"))
        db.session.commit()
        reset_two_factor(db.session, _owner(), agent)
        with pytest.raises(StaffError, match="two_factor: already off"):
            reset_two_factor(db.session, _owner(), agent)
        assert db.session.get(Staff, agent).totp_secret is None
        db.session.remove()


@pytest.mark.parametrize("change", ["demote", "deactivate"])
def test_two_owners_removing_each_other_at_once_leave_one_owner(app, backend, change):
    """Each round: two owners, each removing the other in its own thread and connection at the same
    instant. Exactly one wins; the other is told it would leave the shop without an owner."""
    for _ in range(10):
        with app.app_context():
            db.session.execute(Staff.__table__.delete())
            db.session.commit()
            db.session.remove()
        first, second = _accounts(app, "owner", "owner")
        outcomes = _race(app, [(0, second), (1, first)], change)
        assert sorted(outcomes) == ["done", "last owner"], outcomes
        owners = [staff_id for staff_id, (role, active) in _rows(app).items() if role == "owner" and active]
        assert len(owners) == 1


def _race(app, moves, change: str) -> list[str]:
    start, outcomes = threading.Barrier(len(moves)), []

    def move(actor_n: int, target: int) -> None:
        with app.app_context():
            start.wait()
            try:
                if change == "demote":
                    change_role(db.session, _owner(actor_n), target, "agent")
                else:
                    deactivate(db.session, _owner(actor_n), target)
                outcomes.append("done")
            except StaffError as exc:
                outcomes.append("last owner" if "last active owner" in str(exc) else str(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=move, args=pair) for pair in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
