"""Codes kept out of evidence: each word of a text is compared, by blind index, with the order's
codes; one that matches is replaced. Nothing is decrypted, so nothing needs auditing."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.core.models import Order
from keystore.formats import normalise
from keystore.keyring import Keyring
from keystore.models import Code

CodeFilter = Callable[[str], str]
WITHHELD = "[code withheld]"
WORD = re.compile(r"[^\s\"'<>()\[\]{},;]+")
EDGES = ".:!?"  # a sentence's end after a code is not part of it


def code_filter(session: Session, keyring: Keyring, order: Order) -> CodeFilter:
    held = set(
        session.scalars(
            select(Code.blind_index).where(or_(Code.order_id == order.id, Code.id == (order.shared_code_id or -1)))
        )
    )
    mode = order.product.normalise

    def is_code(word: str) -> bool:
        return keyring.blind_index(normalise(mode, word)) in held

    def withhold(text: str) -> str:
        if not held:
            return text
        return WORD.sub(lambda m: _replaced(m.group(0), is_code), text)

    return withhold


def _replaced(word: str, is_code: Callable[[str], bool]) -> str:
    core = word.rstrip(EDGES)
    if is_code(word):
        return WITHHELD
    if core and core != word and is_code(core):
        return WITHHELD + word[len(core) :]
    return word
