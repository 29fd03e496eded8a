"""The catalog's changes as a service: owners only, moves as conditional updates, code options fixed
once codes are stored, a slug once in the shop."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core import product_admin
from app.core.audit import Actor, AuditEntry, NotAllowed
from app.core.extensions import db
from app.core.models import Product
from app.core.product_fields import ProductFormError, parse_product_form

OWNER, AGENT = Actor("owner@example.com", "owner"), Actor("agent@example.com", "agent")
FORM = {"name": "Card", "slug": "card", "price": "9.99", "currency": "USD"}


def never(session, product_id) -> bool:
    return False


def always(session, product_id) -> bool:
    return True


def test_agents_change_nothing(app):
    with app.app_context():
        with pytest.raises(NotAllowed):
            product_admin.create(db.session, AGENT, parse_product_form(FORM))
        product_id = product_admin.create(db.session, OWNER, parse_product_form(FORM))
        with pytest.raises(NotAllowed):
            product_admin.move(db.session, AGENT, product_id, "hide")


def test_each_move_applies_once_and_only_from_its_state(app):
    with app.app_context():
        product_id = product_admin.create(db.session, OWNER, parse_product_form(FORM))
        moves = ["show", "hide", "hide", "archive", "archive", "show", "restore", "restore", "show"]
        done = [product_admin.move(db.session, OWNER, product_id, name) for name in moves]
        assert done == [False, True, False, True, False, False, True, False, True]
        product = db.session.get(Product, product_id)
        assert product.active and not product.archived
        db.session.rollback()
        logged = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target == f"product:{product_id}"))
        assert list(logged)[1:] == [
            "shop.product.hidden",
            "shop.product.archived",
            "shop.product.restored",
            "shop.product.shown",
        ]


def test_code_options_change_while_no_code_is_stored_and_never_after(app):
    with app.app_context():
        product_id = product_admin.create(db.session, OWNER, parse_product_form(FORM))
        csv = parse_product_form({**FORM, "code_format": "csv", "csv_columns": "account,password"})
        product_admin.edit(db.session, OWNER, product_id, csv, never)
        back = parse_product_form({**FORM, "reusable": "1"})
        with pytest.raises(ProductFormError) as refused:
            product_admin.edit(db.session, OWNER, product_id, back, always)
        assert set(refused.value.errors) == {"code_format", "csv_columns", "reusable"}
        assert db.session.get(Product, product_id).code_format == "csv"


def test_an_edit_that_changes_nothing_logs_nothing(app):
    with app.app_context():
        product_id = product_admin.create(db.session, OWNER, parse_product_form(FORM))
        product_admin.edit(db.session, OWNER, product_id, parse_product_form(FORM), always)
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "shop.product.updated")) is None


def test_a_slug_belongs_to_one_product(app):
    with app.app_context():
        product_admin.create(db.session, OWNER, parse_product_form(FORM))
        other = product_admin.create(db.session, OWNER, parse_product_form({**FORM, "slug": "other"}))
        with pytest.raises(ProductFormError, match="slug"):
            product_admin.create(db.session, OWNER, parse_product_form(FORM))
        with pytest.raises(ProductFormError, match="slug"):
            product_admin.edit(db.session, OWNER, other, parse_product_form(FORM), never)
        with pytest.raises(product_admin.ProductMissing):
            product_admin.edit(db.session, OWNER, 10**6, parse_product_form(FORM), never)
