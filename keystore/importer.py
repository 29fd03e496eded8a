"""Batch import: parse a file line by line, dedupe through the blind index, store all or nothing."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.db import write_transaction
from keystore.keyring import Keyring
from keystore.models import Batch, Code, binding

MAX_CODE_LENGTH = 512
CHUNK = 1000


@dataclass(frozen=True)
class LineProblem:
    line: int
    reason: str


@dataclass
class ImportResult:
    batch_id: int | None = None
    imported: int = 0
    duplicates: list[LineProblem] = field(default_factory=list)
    rejected: list[LineProblem] = field(default_factory=list)

    @property
    def problems(self) -> list[LineProblem]:
        return sorted(self.duplicates + self.rejected, key=lambda problem: problem.line)


def read_txt(stream: BinaryIO) -> Iterator[tuple[int, str | LineProblem]]:
    """Yield (line number, code or problem); blank lines are skipped, spaces and CR/LF trimmed."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            code = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            yield number, LineProblem(number, "not valid UTF-8")
            continue
        if not code:
            continue
        if len(code) > MAX_CODE_LENGTH:
            yield number, LineProblem(number, f"longer than {MAX_CODE_LENGTH} characters")
            continue
        yield number, code


def import_codes(
    session: Session,
    keyring: Keyring,
    product_id: int,
    lines: Iterable[tuple[int, str | LineProblem]],
    *,
    name: str,
    source: str,
    uploaded_by: str = "",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Store every good line of one batch in one transaction; report every other line by number."""
    result = ImportResult()
    try:
        with write_transaction(session):
            batch = Batch(product_id=product_id, name=name, source=source, uploaded_by=uploaded_by)
            session.add(batch)
            session.flush()
            seen: set[bytes] = set()
            for chunk in _chunks(lines, CHUNK):
                _store_chunk(session, keyring, product_id, batch.id, chunk, seen, result)
                if progress:
                    progress(len(chunk))
            batch.imported, batch.duplicates, batch.rejected = (
                result.imported, len(result.duplicates), len(result.rejected))
            if dry_run or result.imported == 0:
                raise _NothingToKeep
            result.batch_id = batch.id
    except _NothingToKeep:
        pass
    return result


class _NothingToKeep(Exception):
    """Rolls back a dry run, or a batch in which no line was good."""


def _store_chunk(session, keyring, product_id, batch_id, chunk, seen, result) -> None:
    candidates = []
    for number, item in chunk:
        if isinstance(item, LineProblem):
            result.rejected.append(item)
            continue
        index = keyring.blind_index(item)
        if index in seen:
            result.duplicates.append(LineProblem(number, "duplicate of an earlier line in this file"))
            continue
        seen.add(index)
        candidates.append((number, item, index))
    stocked = _already_stocked(session, product_id, [index for _, _, index in candidates])
    rows = []
    for number, code, index in candidates:
        if index in stocked:
            result.duplicates.append(LineProblem(number, "duplicate of a code already in stock"))
            continue
        sealed = keyring.seal(code, binding(product_id, index))
        rows.append(
            dict(product_id=product_id, batch_id=batch_id, status="available", blind_index=index,
                 key_id=sealed.key_id, nonce=sealed.nonce, ciphertext=sealed.ciphertext)
        )
    if rows:
        session.execute(insert(Code), rows)
        result.imported += len(rows)


def _already_stocked(session, product_id: int, indexes: list[bytes]) -> set[bytes]:
    if not indexes:
        return set()
    query = select(Code.blind_index).where(Code.product_id == product_id, Code.blind_index.in_(indexes))
    return set(session.scalars(query))


def _chunks(items, size):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
