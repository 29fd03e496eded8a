"""The `keyshop` command line against a real database."""

from __future__ import annotations

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.models import Product
from app.core.staff import Staff


def test_product_create_stores_minor_units(app, runner):
    result = runner("product", "create", "gift-10", "--name", "Gift card", "--price", "10.50", "--currency", "eur")
    assert result.exit_code == 0, result.output
    assert "created product gift-10: Gift card at €10.50" in result.output
    with app.app_context():
        product = db.session.scalar(select(Product).where(Product.slug == "gift-10"))
        assert (product.price_minor, product.currency) == (1050, "EUR")
        db.session.remove()


def test_product_create_refuses_bad_input_clearly(app, runner):
    bad_price = runner("product", "create", "x", "--name", "X", "--price", "1.999", "--currency", "USD")
    assert bad_price.exit_code != 0 and "price: '1.999'" in bad_price.output
    bad_slug = runner("product", "create", "Bad Slug", "--name", "X", "--price", "1", "--currency", "USD")
    assert bad_slug.exit_code != 0 and "slug:" in bad_slug.output
    runner("product", "create", "x", "--name", "X", "--price", "1", "--currency", "USD")
    again = runner("product", "create", "x", "--name", "X", "--price", "1", "--currency", "USD")
    assert again.exit_code != 0 and "already exists" in again.output


def test_admin_create_reads_the_password_from_stdin_and_hashes_it_with_argon2id(app, runner):
    result = runner("admin", "create", "Owner@Example.com", "--role", "owner", input="correct horse battery\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        staff = db.session.scalar(select(Staff))
        assert staff.email == "owner@example.com" and staff.role == "owner"
        assert staff.password_hash.startswith("$argon2id$") and "correct horse" not in staff.password_hash
        audited = db.session.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.target)).all()
        assert [tuple(row) for row in audited] == [("cli", "shop.staff.created", f"staff:{staff.id}")]
        db.session.remove()


def test_admin_create_refuses_a_short_password(app, runner):
    result = runner("admin", "create", "a@example.com", input="short\n")
    assert result.exit_code != 0 and "password: at least 12 characters" in result.output


def test_db_upgrade_is_repeatable(app, runner):
    assert runner("db", "upgrade").exit_code == 0
    assert runner("db", "upgrade").exit_code == 0
