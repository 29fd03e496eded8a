"""Bringing a shop up: migrations, and the demo shop seeded once."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.core.extensions import db
from app.core.models import Product

DEMO_PRODUCTS = (
    (
        "steam-wallet-20",
        "Steam Wallet Card $20",
        "20.00",
        "USD",
        "Redeem in Steam: Games > Redeem a Steam Wallet Code.",
    ),
    ("netflix-gift-25", "Netflix Gift Card €25", "25.00", "EUR", "Redeem at netflix.com/redeem."),
    ("windows-11-pro", "Windows 11 Pro licence", "9.99", "USD", "Settings > System > Activation > Change product key."),
)
DEMO_CODES_PER_PRODUCT = 25
DEMO_OWNER = "owner@demo.keyshop.test"
DEMO_OWNER_FILE = "demo-owner-password"


MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def upgrade_database() -> None:
    """To the newest schema. Alembic is loaded here, not by create_app: the web processes and the
    workers never migrate, and loading it took a third of their start."""
    from flask_migrate import Migrate, upgrade

    if "migrate" not in current_app.extensions:
        Migrate(current_app, db, directory=str(MIGRATIONS))
    upgrade(directory=str(MIGRATIONS))


def seed_demo() -> bool:
    """Seed the demo shop unless the shop already has products. Returns whether it seeded."""
    from app.cli.demo_dress import dress
    from app.core.products import create_product
    from feedback.help.demo import seed_help
    from keystore.importer import import_codes

    if db.session.scalar(select(Product.id).limit(1)) is not None:
        db.session.rollback()
        return False
    db.session.rollback()
    keyring = current_app.extensions["keyshop.keyring"]
    for slug, name, price, currency, description in DEMO_PRODUCTS:
        created = create_product(
            db.session, slug=slug, name=name, price=price, currency=currency, description=description
        )
        lines = [(n, _demo_code()) for n in range(1, DEMO_CODES_PER_PRODUCT + 1)]
        import_codes(db.session, keyring, created.id, lines, name="demo stock", source="demo")
        dress(db.session, created.id, slug, name)
    seed_help(db.session)
    _create_demo_owner()
    return True


def _create_demo_owner() -> None:
    """The demo's owner account; its password sits in the instance folder (mode 0600) for `serve` to print."""
    from app.core.staff import create_staff

    password = secrets.token_urlsafe(12)
    create_staff(db.session, DEMO_OWNER, password, "owner")
    path = Path(current_app.instance_path) / DEMO_OWNER_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password)


def _demo_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(3))


def admin_hint(base_url: str) -> str:
    from app.core.staff import Staff

    path = Path(current_app.instance_path) / DEMO_OWNER_FILE
    if path.exists():
        return f"admin: {base_url}/admin/  email {DEMO_OWNER}  password {path.read_text().strip()}"
    if db.session.scalar(select(Staff.id).limit(1)) is None:
        return (
            f"admin: no staff account yet; make the owner's at {base_url}/admin/setup "
            "or with `keyshop admin create EMAIL`"
        )
    return f"admin: {base_url}/admin/ (sign in with your staff account)"
