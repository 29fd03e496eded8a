"""Issue 17 finding 5: a code is unique in the whole shop, not per product (reusable products aside).

The import names the second copy as a duplicate of stock, and the database refuses it even when two
imports into two products run at once.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core.extensions import db
from app.core.products import CodeOptions, create_product
from keystore.importer import import_codes
from keystore.models import Code
from keystore.prepare import prepare_chunks
from tests.shop import unique_codes


def _product(app, slug: str, **options) -> int:
    with app.app_context():
        return create_product(
            db.session, slug=slug, name=slug, price="1.00", currency="USD", options=CodeOptions(**options)
        ).id


def _import(app, product_id: int, codes: list[str], dry_run=False):
    with app.app_context():
        result = import_codes(
            db.session,
            app.extensions["keyshop.keyring"],
            product_id,
            list(enumerate(codes, start=1)),
            name="b",
            source="test",
            dry_run=dry_run,
        )
        db.session.remove()
        return result


def _count(app, product_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Code).where(Code.product_id == product_id))
        db.session.remove()
        return count


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_code_stocked_in_one_product_is_a_duplicate_in_another(app, dry_run):
    first, second = _product(app, "first"), _product(app, "second")
    shared, fresh = unique_codes(2, "SHOP")
    assert _import(app, first, [shared]).imported == 1

    result = _import(app, second, [fresh, shared], dry_run=dry_run)

    assert result.imported == 1
    assert [(p.line, p.reason) for p in result.problems] == [(2, "duplicate of a code already in stock")]
    assert _count(app, second) == (0 if dry_run else 1)


def test_the_same_normalise_mode_compares_normalised_codes_across_products(app):
    first = _product(app, "first", normalise="case_dashes")
    second = _product(app, "second", normalise="case_dashes")
    [code] = unique_codes(1, "NORM")
    assert _import(app, first, [code]).imported == 1
    result = _import(app, second, [code.lower().replace("-", " ")])
    assert [(p.line, p.reason) for p in result.problems] == [(1, "duplicate of a code already in stock")]


def test_a_reusable_product_shares_its_code_with_other_products(app):
    loop = _product(app, "loop", reusable=True)
    single = _product(app, "single")
    [code] = unique_codes(1, "LOOP")
    assert _import(app, loop, [code]).imported == 1
    assert _import(app, single, [code]).imported == 1  # reusable codes are shared by design
    assert _import(app, _product(app, "loop2", reusable=True), [code]).imported == 1
    again = _import(app, _product(app, "single2"), [code])  # but two non-reusable products may not
    assert [(p.line, p.reason) for p in again.problems] == [(1, "duplicate of a code already in stock")]


def test_the_database_refuses_a_second_copy_in_another_product(app):
    """Beneath the import's own check: a row written past it (another process, a bug) is refused."""
    first, second = _product(app, "first"), _product(app, "second")
    [code] = unique_codes(1, "DB")
    imported = _import(app, first, [code])
    with app.app_context():
        keyring = app.extensions["keyshop.keyring"]
        [chunk] = prepare_chunks(keyring, second, "none", [(1, code)], 10)
        [prepared] = chunk.codes
        row = (
            second,
            imported.batch_id,
            "available",
            prepared.blind_index,
            prepared.sealed.key_id,
            prepared.sealed.nonce,
            prepared.sealed.ciphertext,
            True,
        )
        with pytest.raises(IntegrityError):
            db.session.connection().exec_driver_sql(
                "INSERT INTO codes (product_id, batch_id, status, blind_index, key_id, nonce, ciphertext, "
                "shop_unique) VALUES (" + ", ".join(["?" if app_is_sqlite(app) else "%s"] * 8) + ")",
                row,
            )
        db.session.rollback()
        db.session.remove()
    assert _count(app, second) == 0


def app_is_sqlite(app) -> bool:
    return app.config["KEYSHOP"].database_url.startswith("sqlite")


def test_two_imports_into_two_products_at_once_store_each_code_once(app, backend):
    """Two batches sharing codes, imported at the same moment into two products: every shared code
    is stored exactly once, and the batch that lost it names its line as a duplicate of stock."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises the two imports' writes; the race is PostgreSQL's")
    products = [_product(app, "first"), _product(app, "second")]
    shared = unique_codes(3000, "RACE")
    batches = [unique_codes(2000, "OWN-A") + shared, shared[::-1] + unique_codes(2000, "OWN-B")]
    results, errors, start = {}, [], threading.Barrier(2)

    def run(product_id, codes):
        start.wait()
        try:
            results[product_id] = _import(app, product_id, codes)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(products, batches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert errors == []
    assert sum(result.imported for result in results.values()) == 4000 + 3000
    assert sum(result.duplicate_count for result in results.values()) == 3000
    assert {p.reason for result in results.values() for p in result.problems} <= {
        "duplicate of a code already in stock"
    }
    with app.app_context():
        indexes = db.session.execute(
            select(Code.blind_index, func.count()).group_by(Code.blind_index).having(func.count() > 1)
        ).all()
        db.session.remove()
    assert indexes == []
