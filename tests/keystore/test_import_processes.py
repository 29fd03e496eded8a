"""A large import prepares its chunks in other processes: the same rows as the in-thread path, the
same errors, no process for a small upload, and nothing half-stored when a process dies."""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.products import create_product
from keystore.formats import LineProblem, read_txt
from keystore.importer import CHUNK, import_codes
from keystore.keyring import Keyring
from keystore.models import Batch, Code, binding
from keystore.prepare import prepare_chunks
from keystore.prepare_pool import POOL_AFTER_CHUNKS, prepare_chunks_in_processes

LARGE = CHUNK * (POOL_AFTER_CHUNKS + 2) + 17  # past the in-thread chunks, into the pool, and a short last chunk


def _file(count: int) -> bytes:
    """Codes with a repeat inside a pooled chunk, a bad line and a blank line among them."""
    lines = [f"CODE-{n:07d}" for n in range(count)]
    lines[CHUNK * POOL_AFTER_CHUNKS + 10] = lines[CHUNK * POOL_AFTER_CHUNKS + 3]
    lines[CHUNK * POOL_AFTER_CHUNKS + 20] = "bad\x07code"
    lines[-5] = ""
    return ("\n".join(lines) + "\n").encode()


def _lines(data: bytes):
    return read_txt(iter(data.splitlines(keepends=True)))


def _comparable(keyring: Keyring, product_id: int, chunks) -> list:
    """Chunks with each code opened: nonces differ from run to run, plaintexts and indexes must not."""
    return [
        (
            chunk.last_line,
            chunk.lines,
            chunk.problems,
            [
                (
                    code.line,
                    code.blind_index,
                    code.repeat,
                    keyring.open(code.sealed, binding(product_id, code.blind_index)),
                )
                for code in chunk.codes
            ],
        )
        for chunk in chunks
    ]


@pytest.fixture
def keyring() -> Keyring:
    return Keyring("k1", {"k1": os.urandom(32)}, os.urandom(32))


@pytest.mark.parametrize("mode", ["none", "case_dashes"])
def test_processes_prepare_exactly_what_the_thread_prepares(keyring, mode):
    data = _file(LARGE)
    in_thread = list(prepare_chunks(keyring, 7, mode, _lines(data), CHUNK))
    in_processes = list(prepare_chunks_in_processes(keyring, 7, mode, _lines(data), CHUNK, workers=2))
    assert _comparable(keyring, 7, in_processes) == _comparable(keyring, 7, in_thread)
    repeated = [code.line for chunk in in_processes for code in chunk.codes if code.repeat]
    assert repeated == [CHUNK * POOL_AFTER_CHUNKS + 11]
    assert not multiprocessing.active_children()  # the pool is gone with the generator


def test_an_error_in_a_process_is_the_error_of_the_thread(keyring):
    lines = [(n, f"CODE-{n}") for n in range(1, LARGE)] + [(LARGE, 42)]  # no reader yields an int
    with pytest.raises(AttributeError) as in_thread:
        list(prepare_chunks(keyring, 7, "none", lines, CHUNK))
    with pytest.raises(AttributeError) as in_processes:
        list(prepare_chunks_in_processes(keyring, 7, "none", lines, CHUNK, workers=1))
    assert str(in_processes.value) == str(in_thread.value)
    assert not multiprocessing.active_children()


def test_a_key_rotated_during_the_import_reaches_the_processes(tmp_path):
    from keystore.keyring import write_keyring

    path = tmp_path / "keyring.json"
    write_keyring(path, {"active": "k1", "keys": {"k1": _b64(os.urandom(32))}, "index_key": _b64(os.urandom(32))})
    keyring = Keyring.load(path)
    chunks = prepare_chunks_in_processes(keyring, 7, "none", _lines(_file(LARGE)), CHUNK, workers=1)
    first = next(chunks)
    data = keyring.as_json()
    write_keyring(path, {**data, "active": "k2", "keys": {**data["keys"], "k2": _b64(os.urandom(32))}})
    keyring.refresh(force=True)
    later = list(chunks)
    assert {code.sealed.key_id for code in first.codes} == {"k1"}
    assert {code.sealed.key_id for code in later[-1].codes} == {"k2"}


def _b64(raw: bytes) -> str:
    import base64

    return base64.b64encode(raw).decode()


def _product(app) -> int:
    with app.app_context():
        return create_product(db.session, slug="many", name="many", price="1.00", currency="USD").id


def _import(app, product_id: int, data: bytes, progress=None, **kwargs):
    with app.app_context():
        keyring = app.extensions["keyshop.keyring"]
        try:
            return import_codes(
                db.session, keyring, product_id, _lines(data), name="b", source="test", progress=progress, **kwargs
            )
        finally:
            db.session.remove()


def test_a_large_import_through_processes_stores_codes_that_open_and_are_found_again(app):
    product_id = _product(app)
    seen_processes = []
    result = _import(app, product_id, _file(LARGE), progress=lambda _: seen_processes.append(_pool_processes()))
    assert result.imported == LARGE - 3  # the repeat, the control character, the blank line
    assert [(p.line, p.reason) for p in result.problems] == [
        (CHUNK * POOL_AFTER_CHUNKS + 11, "duplicate of an earlier line in this file"),
        (CHUNK * POOL_AFTER_CHUNKS + 21, "contains a control character (U+0007)"),
    ]
    assert any(seen_processes)
    with app.app_context():
        keyring = app.extensions["keyshop.keyring"]
        rows = db.session.execute(select(Code).where(Code.product_id == product_id).order_by(Code.id)).scalars().all()
        opened = [keyring.open(row_sealed(row), binding(product_id, row.blind_index)) for row in rows]
        db.session.remove()
    assert opened[:3] == ["CODE-0000000", "CODE-0000001", "CODE-0000002"]  # first in, first out
    assert len(set(opened)) == LARGE - 3
    again = _import(app, product_id, _file(LARGE))
    assert (again.imported, again.duplicate_count, again.rejected_count) == (0, LARGE - 2, 1)  # the repeat too


def row_sealed(row):
    from keystore.keyring import Sealed

    return Sealed(row.key_id, row.nonce, row.ciphertext)


def test_a_small_upload_starts_no_process(app):
    product_id = _product(app)
    seen_processes = []
    result = _import(
        app,
        product_id,
        b"".join(b"SMALL-%d\n" % n for n in range(CHUNK + 100)),
        progress=lambda _: seen_processes.append(_pool_processes()),
    )
    assert result.imported == CHUNK + 100
    assert seen_processes and not any(seen_processes)


def test_a_process_killed_mid_import_leaves_no_half_batch(app):
    product_id = _product(app)

    def kill_the_pool(_lines_done):
        for process in _pool_processes():
            os.kill(process.pid, signal.SIGKILL)

    # Long enough that the pool still has chunks to prepare when the first are stored: the read-ahead
    # and the pool hold no more than a few chunks beyond the one being written.
    with pytest.raises(BrokenProcessPool):
        _import(app, product_id, _file(CHUNK * 12), progress=kill_the_pool, keep_partial=False)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Code).where(Code.product_id == product_id)) == 0
        assert db.session.scalar(select(func.count()).select_from(Batch).where(Batch.product_id == product_id)) == 0
        db.session.remove()
    assert not _pool_processes()


def _pool_processes() -> list:
    return [process for process in multiprocessing.active_children() if process.is_alive()]


def test_line_problems_keep_their_numbers_across_processes(keyring):
    lines = [(n, LineProblem(n, "not valid UTF-8") if n % 997 == 0 else f"C{n}") for n in range(1, LARGE)]
    chunks = list(prepare_chunks_in_processes(keyring, 7, "none", lines, CHUNK, workers=2))
    assert [p.line for chunk in chunks for p in chunk.problems] == [n for n in range(1, LARGE) if n % 997 == 0]
    assert [chunk.last_line for chunk in chunks] == [min(n * CHUNK, LARGE - 1) for n in range(1, len(chunks) + 1)]
