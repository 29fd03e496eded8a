"""Batch import: stream a file, dedupe through the blind index, never leave a batch half-written.

Codes are stored in short transactions as `staged` (never sold) and made `available` together when
the batch completes, so sales go on during a large import. A batch interrupted half-way stays
`importing` and is finished by importing the same file again with `resume_batch_id` (it skips the
lines already stored), or removed with `discard_batch`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.models import Product
from keystore.formats import LineProblem, plaintext_and_key, read_txt  # noqa: F401  (re-exported)
from keystore.bulk import insert_codes
from keystore.keyring import Keyring
from keystore.models import Batch, Code, binding
from keystore.stock import rearm_low_stock

CHUNK = 2000
MAX_LISTED = 10_000  # problems listed line by line; past that they are only counted


@dataclass
class ImportResult:
    batch_id: int | None = None
    imported: int = 0
    duplicates: list[LineProblem] = field(default_factory=list)
    rejected: list[LineProblem] = field(default_factory=list)
    duplicate_count: int = 0
    rejected_count: int = 0

    @property
    def problems(self) -> list[LineProblem]:
        return sorted(self.duplicates + self.rejected, key=lambda problem: problem.line)

    def as_json(self, listed: int = 1000) -> dict:
        return {"batch_id": self.batch_id, "imported": self.imported, "duplicates": self.duplicate_count,
                "rejected": self.rejected_count,
                "problems": [{"line": p.line, "reason": p.reason} for p in self.problems[:listed]]}

    def note(self, problem: LineProblem, duplicate: bool) -> None:
        if duplicate:
            self.duplicate_count += 1
        else:
            self.rejected_count += 1
        if len(self.duplicates) + len(self.rejected) < MAX_LISTED:
            (self.duplicates if duplicate else self.rejected).append(problem)


@dataclass(frozen=True)
class _Target:
    product_id: int
    normalise: str
    batch_id: int | None


def import_codes(session: Session, keyring: Keyring, product_id: int, lines: Iterable, *, name: str, source: str,
                 uploaded_by: str = "", supplier: str = "", dry_run: bool = False,
                 progress: Callable[[int], None] | None = None, resume_batch_id: int | None = None,
                 keep_partial: bool = True) -> ImportResult:
    """Import one batch. If it stops half-way, the batch stays `importing` for a resume, or with
    keep_partial=False (uploads whose file is gone afterwards) is discarded before the error rises."""
    result = ImportResult()
    mode = session.scalar(select(Product.normalise).where(Product.id == product_id))
    session.rollback()
    if dry_run:
        return _dry_run(session, keyring, _Target(product_id, mode, None), lines, result, progress)
    batch_id, skip_to = (_resume(session, resume_batch_id, result) if resume_batch_id
                         else (_open_batch(session, product_id, name, source, uploaded_by, supplier), 0))
    target = _Target(product_id, mode, batch_id)
    try:
        for chunk in _chunks(((n, item) for n, item in lines if n > skip_to), CHUNK):
            with write_transaction(session):
                _store_chunk(session, keyring, target, chunk, result)
                _save_progress(session, batch_id, chunk[-1][0], result)
            if progress:
                progress(len(chunk))
    except BaseException:
        if not keep_partial:
            discard_batch(session, batch_id)
        raise
    result.batch_id = _close_batch(session, batch_id, result)
    return result


def _dry_run(session, keyring, target, lines, result, progress) -> ImportResult:
    seen: set[bytes] = set()
    for chunk in _chunks(lines, CHUNK):
        fresh = _classify(keyring, target, chunk, result, seen)
        stocked = _stocked(session, target.product_id, [row[2] for row in fresh])
        session.rollback()
        for number, _, index, repeat in fresh:
            problem = _duplicate(number, index, repeat, stocked, None)
            if problem:
                result.note(problem, duplicate=True)
            else:
                result.imported += 1
        if progress:
            progress(len(chunk))
    return result


def _store_chunk(session, keyring: Keyring, target: _Target, chunk, result: ImportResult) -> None:
    fresh = _classify(keyring, target, chunk, result, set())
    stocked = _stocked(session, target.product_id, [row[2] for row in fresh])
    rows = []
    for number, plaintext, index, repeat in fresh:
        problem = _duplicate(number, index, repeat, stocked, target.batch_id)
        if problem:
            result.note(problem, duplicate=True)
            continue
        sealed = keyring.seal(plaintext, binding(target.product_id, index))
        rows.append((target.product_id, target.batch_id, "staged", index, sealed.key_id, sealed.nonce,
                     sealed.ciphertext))
    if rows:
        insert_codes(session, rows)
        result.imported += len(rows)


def _classify(keyring, target, chunk, result, seen) -> list[tuple[int, str, bytes, bool]]:
    """Line problems noted; the rest returned with their blind index and whether it repeats."""
    fresh = []
    for number, item in chunk:
        if isinstance(item, LineProblem):
            result.note(item, duplicate=False)
            continue
        plaintext, key = plaintext_and_key(item, target.normalise)
        index = keyring.blind_index(key)
        fresh.append((number, plaintext, index, index in seen))
        seen.add(index)
    return fresh


def _duplicate(number, index, repeat, stocked, batch_id) -> LineProblem | None:
    """Stock first: "already in stock" tells the owner more than "repeats an earlier line"."""
    if index in stocked and stocked[index] != batch_id:
        return LineProblem(number, "duplicate of a code already in stock")
    if repeat or index in stocked:
        return LineProblem(number, "duplicate of an earlier line in this file")
    return None


def _stocked(session, product_id: int, indexes: list[bytes]) -> dict[bytes, int]:
    """Blind indexes already stored for the product, in any state, with the batch that holds each."""
    if not indexes:
        return {}
    query = select(Code.blind_index, Code.batch_id).where(Code.product_id == product_id,
                                                          Code.blind_index.in_(indexes))
    return dict(session.execute(query).all())


def _open_batch(session, product_id, name, source, uploaded_by, supplier) -> int:
    with write_transaction(session):
        batch = Batch(product_id=product_id, name=name, source=source, uploaded_by=uploaded_by, supplier=supplier)
        session.add(batch)
        session.flush()
        return batch.id


def _resume(session, batch_id: int, result: ImportResult) -> tuple[int, int]:
    batch = session.get(Batch, batch_id)
    if batch is None or batch.status != "importing":
        session.rollback()
        raise ValueError(f"batch {batch_id} is not an interrupted import")
    result.imported, result.duplicate_count, result.rejected_count = batch.imported, batch.duplicates, batch.rejected
    skip_to = batch.lines_done
    session.rollback()
    return batch_id, skip_to


def _save_progress(session, batch_id: int, last_line: int, result: ImportResult) -> None:
    session.execute(update(Batch).where(Batch.id == batch_id).values(
        lines_done=last_line, imported=result.imported, duplicates=result.duplicate_count,
        rejected=result.rejected_count))


def _close_batch(session, batch_id: int, result: ImportResult) -> int | None:
    """Make the staged codes sellable in one step; a batch with no good line leaves nothing behind."""
    with write_transaction(session):
        if result.imported == 0:
            session.execute(delete(Batch).where(Batch.id == batch_id))
            return None
        session.execute(update(Code).where(Code.batch_id == batch_id, Code.status == "staged")
                        .values(status="available"))
        session.execute(update(Batch).where(Batch.id == batch_id).values(
            status="complete", imported=result.imported, duplicates=result.duplicate_count,
            rejected=result.rejected_count))
        rearm_low_stock(session, session.scalar(select(Batch.product_id).where(Batch.id == batch_id)))
        return batch_id


def discard_batch(session: Session, batch_id: int) -> int:
    """Remove an interrupted import and its staged codes; returns how many codes went."""
    with write_transaction(session):
        batch = session.get(Batch, batch_id)
        if batch is None or batch.status != "importing":
            raise ValueError(f"batch {batch_id} is not an interrupted import")
        removed = session.execute(delete(Code).where(Code.batch_id == batch_id)).rowcount
        session.execute(delete(Batch).where(Batch.id == batch_id))
        return removed


def _chunks(items, size):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
