"""Batch import: stream a file, dedupe through the blind index, never leave a batch half-written.

On PostgreSQL a batch is one transaction: its codes become sellable together at commit, or not at
all, and sales go on meanwhile. SQLite has a single write lock that sales need within a second, so
there codes are stored in short transactions as `staged` (never sold) and made `available`
together when the batch completes. A batch interrupted half-way there stays `importing` and is
finished by importing the same file again with `resume_batch_id` (it skips the lines already
stored), or removed with `discard_batch`.

A code is unique in the whole shop, a reusable product's shared code aside (codes.shop_unique, with
a partial unique index beneath the check below, so two imports into two products at once cannot
both store one). The comparison is of blind indexes, each the HMAC of the code normalised by its
own product's mode: products with the same mode compare codes exactly as one product does (the
default, "none", compares them as written). Across products of different modes a code is caught
when both modes normalise it alike ("ABCD1234" in a "none" and a "case_dashes" product), but not
"abcd-1234" against "ABCD1234": that would need the stored code's plaintext. A shop that stocks
one supplier's keys in several products gives those products one mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.core.audit import audit
from app.core.db import write_transaction
from app.core.models import Product
from keystore.bulk import PlannerStatistics, insert_codes, one_transaction_per_batch, stocked_indexes
from keystore.formats import LineProblem
from keystore.keyring import Keyring
from keystore.models import Batch, Code
from keystore.prepare import PreparedChunk, PreparedCode, prepare_chunks
from keystore.prepare_pool import prepare_chunks_in_processes
from keystore.read_ahead import ReadAhead
from keystore.stock import rearm_low_stock

CHUNK = 5000  # lines per write transaction: a short hold on SQLite's write lock
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
        return {
            "batch_id": self.batch_id,
            "imported": self.imported,
            "duplicates": self.duplicate_count,
            "rejected": self.rejected_count,
            "problems": [{"line": p.line, "reason": p.reason} for p in self.problems[:listed]],
        }

    def note(self, problem: LineProblem, duplicate: bool) -> None:
        if duplicate:
            self.duplicate_count += 1
        else:
            self.rejected_count += 1
        if len(self.duplicates) + len(self.rejected) < MAX_LISTED:
            (self.duplicates if duplicate else self.rejected).append(problem)


@dataclass(frozen=True)
class Target:
    product_id: int
    batch_id: int
    shop_unique: bool  # False for a reusable product: its one shared code may be in other products too


def import_codes(
    session: Session,
    keyring: Keyring,
    product_id: int,
    lines: Iterable,
    *,
    name: str,
    source: str,
    uploaded_by: str = "",
    supplier: str = "",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    resume_batch_id: int | None = None,
    keep_partial: bool = True,
) -> ImportResult:
    """Import one batch. If it stops half-way, the batch stays `importing` for a resume, or with
    keep_partial=False (uploads whose file is gone afterwards) is discarded before the error rises;
    a batch that stored nothing (a bad CSV header) is always discarded."""
    result = ImportResult()
    mode, reusable = session.execute(select(Product.normalise, Product.reusable).where(Product.id == product_id)).one()
    session.rollback()
    if dry_run:
        chunks = prepare_chunks(keyring, product_id, mode, lines, CHUNK, seal=False, seen=set())
        return _dry_run(session, Target(product_id, 0, not reusable), chunks, result, progress)
    batch_id, skip_to = (
        _resume(session, resume_batch_id, result)
        if resume_batch_id
        else (_open_batch(session, product_id, name, source, uploaded_by, supplier), 0)
    )
    remaining = ((n, item) for n, item in lines if n > skip_to)
    chunks = ReadAhead(prepare_chunks_in_processes(keyring, product_id, mode, remaining, CHUNK))
    try:
        _store_all(session, Target(product_id, batch_id, not reusable), chunks, result, progress)
    except BaseException:
        chunks.close()
        if not keep_partial or not _stored_anything(session, batch_id):  # nothing to resume
            discard_batch(session, batch_id)
        raise
    result.batch_id = batch_id if result.imported else None
    return result


def _store_all(session, target: Target, chunks, result: ImportResult, progress) -> None:
    if one_transaction_per_batch(session):
        return _store_in_one_transaction(session, target, chunks, result, progress)
    for chunk in chunks:
        with write_transaction(session):
            store_chunk(session, target, chunk, result, "staged")
            _save_progress(session, target.batch_id, chunk.last_line, result)
        if progress:
            progress(chunk.lines)
    with write_transaction(session):
        session.execute(
            update(Code).where(Code.batch_id == target.batch_id, Code.status == "staged").values(status="available")
        )
        _finish_batch(session, target.batch_id, result)


def _store_in_one_transaction(session, target: Target, chunks, result: ImportResult, progress) -> None:
    statistics = PlannerStatistics()
    with write_transaction(session):
        for chunk in chunks:
            store_chunk(session, target, chunk, result, "available")
            statistics.after(session, result.imported)
            if progress:
                progress(chunk.lines)
        _finish_batch(session, target.batch_id, result)


def _dry_run(session, target: Target, chunks, result: ImportResult, progress) -> ImportResult:
    for chunk in chunks:
        _note_problems(chunk, result)
        stocked = _stocked(session, target, chunk)
        session.rollback()
        for code in chunk.codes:
            problem = _duplicate(code, stocked, None)
            if problem:
                result.note(problem, duplicate=True)
            else:
                result.imported += 1
        if progress:
            progress(chunk.lines)
    return result


def store_chunk(session, target: Target, chunk: PreparedChunk, result: ImportResult, status: str) -> None:
    _note_problems(chunk, result)
    stocked = _stocked(session, target, chunk)
    rows, lines = [], {}
    for code in chunk.codes:
        problem = _duplicate(code, stocked, target.batch_id)
        if problem:
            result.note(problem, duplicate=True)
            continue
        lines[code.blind_index] = code.line
        rows.append(
            (
                target.product_id,
                target.batch_id,
                status,
                code.blind_index,
                code.sealed.key_id,
                code.sealed.nonce,
                code.sealed.ciphertext,
                target.shop_unique,
            )
        )
    if rows:
        raced = insert_codes(session, rows)
        result.imported += len(rows) - len(raced)
        for line in sorted(lines[index] for index in raced):  # another import stored them meanwhile
            result.note(LineProblem(line, "duplicate of a code already in stock"), duplicate=True)


def _stocked(session, target: Target, chunk: PreparedChunk) -> dict[bytes, int]:
    return stocked_indexes(session, target.product_id, [code.blind_index for code in chunk.codes], target.shop_unique)


def _note_problems(chunk: PreparedChunk, result: ImportResult) -> None:
    for problem in chunk.problems:
        result.note(problem, duplicate=False)


def _duplicate(code: PreparedCode, stocked: dict[bytes, int], batch_id) -> LineProblem | None:
    """Stock first: "already in stock" tells the owner more than "repeats an earlier line"."""
    if code.blind_index in stocked and stocked[code.blind_index] != batch_id:
        return LineProblem(code.line, "duplicate of a code already in stock")
    if code.repeat or code.blind_index in stocked:
        return LineProblem(code.line, "duplicate of an earlier line in this file")
    return None


def _stored_anything(session, batch_id: int) -> bool:
    stored = session.scalar(select(Code.id).where(Code.batch_id == batch_id).limit(1)) is not None
    session.rollback()
    return stored


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
    session.execute(
        update(Batch)
        .where(Batch.id == batch_id)
        .values(
            lines_done=last_line,
            imported=result.imported,
            duplicates=result.duplicate_count,
            rejected=result.rejected_count,
        )
    )


def _finish_batch(session, batch_id: int, result: ImportResult) -> None:
    """Inside the transaction that makes the codes sellable; a batch with no good line is removed."""
    if result.imported == 0:
        session.execute(delete(Batch).where(Batch.id == batch_id))
        return
    session.execute(
        update(Batch)
        .where(Batch.id == batch_id)
        .values(
            status="complete",
            imported=result.imported,
            duplicates=result.duplicate_count,
            rejected=result.rejected_count,
        )
    )
    batch = session.execute(
        select(Batch.product_id, Batch.uploaded_by, Batch.source, Batch.name).where(Batch.id == batch_id)
    ).one()
    rearm_low_stock(session, batch.product_id)
    # An upload is a staff action like any other: audited in the transaction that puts it on sale.
    audit(
        session,
        batch.uploaded_by or batch.source,
        "keystore.batch.imported",
        f"batch:{batch_id}",
        detail=f"product:{batch.product_id} {batch.name[:100]!r} from {batch.source}: {result.imported} imported,"
        f" {result.duplicate_count} duplicate, {result.rejected_count} rejected",
    )


def discard_batch(session: Session, batch_id: int) -> int:
    """Remove an interrupted import and its staged codes; returns how many codes went."""
    with write_transaction(session):
        batch = session.get(Batch, batch_id)
        if batch is None or batch.status != "importing":
            raise ValueError(f"batch {batch_id} is not an interrupted import")
        removed = session.execute(delete(Code).where(Code.batch_id == batch_id)).rowcount
        session.execute(delete(Batch).where(Batch.id == batch_id))
        return removed
