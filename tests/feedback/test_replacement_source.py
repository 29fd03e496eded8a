"""Which batch a replacement comes from: between batches of the same complaint rate, the one whose
supplier's rate is lower, even when it is the newer; and first in, first out after that."""

from __future__ import annotations

from app.core.extensions import db
from feedback.replacement_source import replacement_batches
from tests.feedback.aftersale import batch_named, delivered, on_hold, report_and_decide
from tests.shop import make_product, set_product, stock, unique_codes


def test_the_supplier_with_fewer_complaints_goes_first_then_the_oldest_batch(app, client):
    product_id = make_product(app, "card")
    set_product(app, product_id, report_policy="hold")  # no replacements while the scene is set
    stock(app, product_id, unique_codes(3), name="shady bad")
    batch_named(app, "shady bad", supplier="Shady")
    for n in range(3):
        report_and_decide(app, client, delivered(app, client, email=f"r{n}@example.com"))
    assert on_hold(app, batch_named(app, "shady bad"))
    for name, supplier in (("shady", "Shady"), ("fine", "Fine"), ("fine later", "Fine")):
        stock(app, product_id, unique_codes(2), name=name)
        batch_named(app, name, supplier=supplier)

    with app.app_context():
        order, warned = replacement_batches(db.session, product_id, report_id=0)
        db.session.remove()
    assert (order, warned) == ([batch_named(app, n) for n in ("fine", "fine later", "shady")], 0)
