"""The CPU half of an import: classify, blind-index and seal each chunk of lines, no database.

It runs in the import's read-ahead thread, so it touches nothing shared but the keyring.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from keystore.formats import LineProblem, plaintext_and_key
from keystore.keyring import Keyring, Sealed
from keystore.models import binding


class PreparedCode(NamedTuple):
    """A tuple, not a frozen dataclass: one is made per code, and a frozen dataclass's __init__ (one
    object.__setattr__ per field) cost about a sixth of preparing a code."""

    line: int
    blind_index: bytes
    repeat: bool  # an earlier line of the same chunk (or, in a dry run, of the file) has this code
    sealed: Sealed | None


@dataclass
class PreparedChunk:
    last_line: int
    lines: int
    problems: list[LineProblem] = field(default_factory=list)
    codes: list[PreparedCode] = field(default_factory=list)


def prepare_chunks(
    keyring: Keyring,
    product_id: int,
    normalise: str,
    lines: Iterable,
    size: int,
    *,
    seal: bool = True,
    seen: set[bytes] | None = None,
) -> Iterator[PreparedChunk]:
    """Chunks of `size` lines; `seen` carries repeats across chunks (a dry run), else each is alone."""
    for chunk in _chunks(lines, size):
        prepared = PreparedChunk(last_line=chunk[-1][0], lines=len(chunk))
        _prepare(keyring, product_id, normalise, chunk, prepared, seal, set() if seen is None else seen)
        yield prepared


def _prepare(keyring, product_id, normalise, chunk, prepared: PreparedChunk, seal: bool, seen: set) -> None:
    for number, item in chunk:
        if isinstance(item, LineProblem):
            prepared.problems.append(item)
            continue
        plaintext, key = plaintext_and_key(item, normalise)
        index = keyring.blind_index(key)
        sealed = keyring.seal(plaintext, binding(product_id, index)) if seal else None
        prepared.codes.append(PreparedCode(number, index, index in seen, sealed))
        seen.add(index)


def _chunks(items, size):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
