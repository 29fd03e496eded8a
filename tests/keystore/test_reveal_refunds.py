"""On a whole refund, a code shown on request but never shown goes back to stock; a shown one is burned
(stays with its order, never sold again). Two reveals at once on PostgreSQL: both recorded, each code
first shown by one of them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update

from app.core.audit import Actor
from app.core.extensions import db
from delivery.jobs import refund_went_through
from delivery.refund_stock import sweep_unrevealed
from keystore.models import Batch, Code, CodeReveal
from keystore.reveals import reveal_codes
from keystore.stock import available_count
from payments import refunds
from payments.registry import providers
from tests.feedback.aftersale import codes_of, delivered
from tests.shop import csrf_from, make_product, set_product, stock, unique_codes

OWNER = Actor("owner@shop.test", "owner")


def _refund_whole(app, order_id: int, amount: int, follow_up: bool = True) -> None:
    with app.app_context():
        refund_id, _ = refunds.request_refund(db.session, OWNER, order_id, amount, key=f"whole-{order_id}")
        assert refunds.carry_out(db.session, providers(), refund_id) == "succeeded"
        if follow_up:
            refund_went_through(refund_id)
        db.session.remove()


def _available(app, product_id: int) -> int:
    with app.app_context():
        count = available_count(db.session, product_id)
        db.session.remove()
    return count


def _owner_of(app, code_id: int) -> tuple:
    with app.app_context():
        row = db.session.execute(select(Code.order_id, Code.status).where(Code.id == code_id)).one()
        db.session.remove()
    return tuple(row)


def test_a_refund_returns_the_codes_never_shown_and_burns_the_shown_ones(app, client):
    product_id = make_product(app, "card")
    set_product(app, product_id, reveal_on_request=True)
    stock(app, product_id, unique_codes(6))
    seen, unseen = delivered(app, client, quantity=2), delivered(app, client, quantity=2, email="b@example.com")
    form = {"csrf_token": csrf_from(client, f"/o/{seen.token}")}
    assert client.post(f"/o/{seen.token}/reveal", data=form).status_code == 303
    assert _available(app, product_id) == 2

    _refund_whole(app, seen.order_id, 1998)
    _refund_whole(app, unseen.order_id, 1998)
    assert [_owner_of(app, code_id) for code_id, _ in codes_of(app, seen.order_id)] == [
        (seen.order_id, "delivered")
    ] * 2
    assert codes_of(app, unseen.order_id) == []  # both back on sale, and sold next
    assert _available(app, product_id) == 4
    again = delivered(app, client, quantity=4, email="c@example.com")
    assert len(codes_of(app, again.order_id)) == 4 and _available(app, product_id) == 0


def test_the_codes_of_a_product_not_shown_on_request_stay_burned_after_a_refund(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(2))
    placed = delivered(app, client)
    _refund_whole(app, placed.order_id, 999)
    assert [state for _, state in codes_of(app, placed.order_id)] == ["delivered"]
    assert _available(app, product_id) == 1


def test_the_sweeper_returns_what_a_lost_follow_up_left_and_a_held_batch_takes_its_codes_back(app, client):
    product_id = make_product(app, "card")
    set_product(app, product_id, reveal_on_request=True)
    stock(app, product_id, unique_codes(2))
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    with app.app_context():
        db.session.execute(update(Batch).values(on_hold=True))  # held since the sale: not back on sale
        db.session.commit()
        db.session.remove()
    _refund_whole(app, placed.order_id, 999, follow_up=False)  # the job died after the money moved
    assert _owner_of(app, code_id) == (placed.order_id, "delivered")
    with app.app_context():
        assert sweep_unrevealed(db.session) == 1
        assert sweep_unrevealed(db.session) == 0  # twice: nothing more
        db.session.remove()
    assert _owner_of(app, code_id) == (None, "quarantined")


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_reveals_at_once_are_both_recorded_and_each_code_is_first_shown_once(app, client):
    product_id = make_product(app, "card")
    set_product(app, product_id, reveal_on_request=True)
    stock(app, product_id, unique_codes(3))
    placed = delivered(app, client, quantity=3)

    def reveal(agent: str) -> int:
        with app.app_context():
            try:
                return reveal_codes(db.session, placed.order_id, "203.0.113.7", agent)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        shown = sorted(pool.map(reveal, ["phone", "laptop"]))
    assert shown == [0, 3]
    with app.app_context():
        rows = db.session.execute(select(CodeReveal.user_agent, CodeReveal.codes_shown)).all()
        assert sorted(agent for agent, _ in rows) == ["laptop", "phone"]  # each press recorded
        assert sorted(count for _, count in rows) == [0, 3]
        assert (
            len({at for at in db.session.scalars(select(Code.revealed_at).where(Code.order_id == placed.order_id))})
            == 1
        )
        db.session.remove()
