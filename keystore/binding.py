"""The associated data tying a sealed code to its row, apart from the models so that the import's
preparing processes need neither SQLAlchemy nor the app to seal."""

from __future__ import annotations


def binding(product_id: int, blind_index: bytes) -> bytes:
    """Associated data tying a ciphertext to its row: product and blind index are unique together."""
    return binding_prefix(product_id) + blind_index


def binding_prefix(product_id: int) -> bytes:
    """The product's part of every binding, built once per chunk by the import."""
    return str(product_id).encode() + b"|"
