"""The CPU half of an import: classify, blind-index and seal each chunk of lines, no database.

It runs in the import's read-ahead thread, or for a large import in other processes
(keystore.prepare_pool), so it touches nothing shared but the keyring.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from keystore.binding import binding_prefix
from keystore.formats import NORMALISERS, LineProblem, plaintext_and_key
from keystore.keyring import Keyring, Sealed


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
    for chunk in chunks_of(lines, size):
        yield prepare_chunk(keyring, product_id, normalise, chunk, seal, set() if seen is None else seen)


def prepare_chunk(keyring: Keyring, product_id: int, mode: str, chunk: list, seal: bool, seen: set) -> PreparedChunk:
    """The per-code loop of an import, so its lookups are hoisted out of it: a million codes pass here."""
    prepared = PreparedChunk(last_line=chunk[-1][0], lines=len(chunk))
    codes, problems, repeats = prepared.codes, prepared.problems, seen
    blind_index, normalised = keyring.blind_index, NORMALISERS[mode]
    sealer, prefix = (keyring.sealer() if seal else None), binding_prefix(product_id)
    for number, item in chunk:
        if type(item) is str:
            plaintext, key = item, normalised(item)
        elif isinstance(item, LineProblem):
            problems.append(item)
            continue
        else:
            plaintext, key = plaintext_and_key(item, mode)
        index = blind_index(key)
        codes.append(
            PreparedCode(number, index, index in repeats, sealer(plaintext, prefix + index) if sealer else None)
        )
        repeats.add(index)
    return prepared


def chunks_of(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
