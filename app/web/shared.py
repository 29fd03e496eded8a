"""Small helpers the blueprints share."""

from __future__ import annotations

from flask import current_app

from app.core.extensions import db
from app.core.settings import Settings
from delivery.order_view import OrderView, view_order
from payments.registry import providers


def settings() -> Settings:
    return current_app.config["KEYSHOP"]


def keyring():
    return current_app.extensions["keyshop.keyring"]


def order_for_token(token: str) -> OrderView | None:
    return view_order(db.session, keyring(), token)


def offered_methods() -> list[tuple[str, str]]:
    return [(name, adapter.label) for name, adapter in providers().items()]
