"""Issue 22: a refunded order's codes never shown go back where their batch is. A code of a batch
staff revoked or quarantined (or released, or a hold for complaints) never goes back on sale."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from app.core.audit import Actor
from app.core.extensions import db
from keystore.models import Batch
from keystore.reveals import return_unrevealed
from keystore.staff_actions import move_batch
from tests.feedback.aftersale import batch_named, code_states, codes_of, delivered
from tests.keystore.test_reveal_refunds import _available, _owner_of, _refund_whole
from tests.shop import make_product, set_product, stock, unique_codes

OWNER = Actor("owner@shop.test", "owner")


def _move(app, batch_id: int, *moves: str) -> None:
    with app.app_context():
        for move in moves:
            move_batch(db.session, OWNER, batch_id, move, reason="supplier says so")
        db.session.remove()


def _sold_one_unshown(app, client) -> tuple[int, int, int, int]:
    """(product, batch, order, code): one of three codes sold, shown on request and never shown."""
    product_id = make_product(app, "card")
    set_product(app, product_id, reveal_on_request=True)
    stock(app, product_id, unique_codes(3), name="first")
    placed = delivered(app, client)
    [(code_id, _)] = codes_of(app, placed.order_id)
    return product_id, batch_named(app, "first"), placed.order_id, code_id


@pytest.mark.parametrize(
    ("moves", "returns_as"),
    [
        (("revoke",), "revoked"),
        (("quarantine",), "quarantined"),
        (("quarantine", "revoke"), "revoked"),
        (("revoke", "release"), "revoked"),  # a release lifts a quarantine, never a revoke
        (("quarantine", "release"), "available"),
    ],
)
def test_a_refunded_code_follows_its_batch_off_sale(app, client, moves, returns_as):
    product_id, batch_id, order_id, code_id = _sold_one_unshown(app, client)
    _move(app, batch_id, *moves)
    _refund_whole(app, order_id, 999)
    assert _owner_of(app, code_id) == (None, returns_as)
    assert _available(app, product_id) == (3 if returns_as == "available" else 0)
    expected = {"revoked": 3} if returns_as == "revoked" else {returns_as: 3}
    assert code_states(app, batch_id) == expected


def test_the_batch_remembers_why_it_is_off_sale(app, client):
    _product_id, batch_id, _order_id, _code_id = _sold_one_unshown(app, client)

    def withdrawn() -> str:
        with app.app_context():
            value = db.session.scalar(select(Batch.withdrawn).where(Batch.id == batch_id))
            db.session.remove()
        return value

    assert withdrawn() == ""
    _move(app, batch_id, "quarantine")
    assert withdrawn() == "quarantined"
    _move(app, batch_id, "release")
    assert withdrawn() == ""
    _move(app, batch_id, "revoke", "release", "quarantine")
    assert withdrawn() == "revoked"


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_revoke_and_a_return_at_once_never_leave_a_code_on_sale(app, client):
    """Each round, a staff revoke and the refund's follow-up race; whichever wins, the batch's codes
    all end revoked (the return waits for the batch's row, or the revoke moves what was returned)."""
    for round_ in range(4):
        product_id = make_product(app, f"card-{round_}")
        set_product(app, product_id, reveal_on_request=True)
        stock(app, product_id, unique_codes(3), name=f"race-{round_}")
        placed = delivered(app, client, slug=f"card-{round_}")
        batch_id = batch_named(app, f"race-{round_}")
        _refund_whole(app, placed.order_id, 999, follow_up=False)

        def revoke() -> int:
            with app.app_context():
                try:
                    return move_batch(db.session, OWNER, batch_id, "revoke", reason="stolen")
                finally:
                    db.session.remove()

        def give_back() -> int:
            with app.app_context():
                try:
                    return return_unrevealed(db.session, placed.order_id)
                finally:
                    db.session.remove()

        with ThreadPoolExecutor(max_workers=2) as pool:
            revoked, returned = pool.submit(revoke), pool.submit(give_back)
            assert returned.result() == 1 and revoked.result() in (2, 3)
        assert code_states(app, batch_id) == {"revoked": 3}
        assert _available(app, product_id) == 0
