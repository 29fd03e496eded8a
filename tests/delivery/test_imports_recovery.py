"""Issue 17 finding 9: an import whose job is lost from Redis, or whose worker is killed mid-way, is
resumed by the sweeper or failed with its reason; the batch never stays `importing`, and the
plaintext upload never outlives its import. Real Redis, real worker processes, both databases."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, update

from app.core.api_tokens import create_token
from app.core.extensions import db
from delivery.import_check import leftover_uploads, stuck_imports
from delivery.import_sweep import MAX_ATTEMPTS, sweep_imports
from keystore.models import Batch, Code, ImportRun
from tests.processes import WorkerProcess
from tests.shop import make_product, unique_codes

pytestmark = pytest.mark.slow


@pytest.fixture
def headers(app) -> dict:
    app.config["UPLOAD_INLINE_LIMIT"] = 100  # every upload of these tests goes down the job path
    make_product(app)
    with app.app_context():
        secret = create_token(db.session, "supplier-sync", ["upload", "stock"], created_by="cli")
        db.session.remove()
    return {"Authorization": f"Bearer {secret}"}


def _upload(client, headers, codes: list[str]) -> str:
    answer = client.post("/api/v1/products/card/batches", data=("\n".join(codes) + "\n").encode(), headers=headers)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    return answer.json["url"]


def _status(client, headers, url: str) -> dict:
    return client.get(url, headers=headers).json


def _wait(client, headers, url: str, done, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    status = _status(client, headers, url)
    while not done(status) and time.monotonic() < deadline:
        time.sleep(0.05)
        status = _status(client, headers, url)
    return status


def _sweep(app, older_than=1) -> int:
    with app.app_context():
        moved = sweep_imports(db.session, older_than)
        db.session.remove()
        return moved


def _uploads_on_disk(app) -> list:
    folder = app.config["KEYSHOP"].instance / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def _ledger(app) -> tuple[dict, list[str], list[str], list[str]]:
    """Codes per status, batches per status, and what the ledger check would say (from a day ahead,
    so nothing counts as recent)."""
    from datetime import timedelta

    from app.core.db import utcnow

    with app.app_context():
        codes = dict(db.session.execute(select(Code.status, func.count()).group_by(Code.status)).all())
        batches = list(db.session.scalars(select(Batch.status)))
        stuck = stuck_imports(db.session, utcnow() + timedelta(days=1))
        db.session.remove()
        leftovers = _leftovers_later(app)
        return codes, batches, stuck, leftovers


def _leftovers_later(app) -> list[str]:
    import os

    for path in _uploads_on_disk(app):  # age every file past the check's minute of grace
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    with app.app_context():
        lines = leftover_uploads(app.config["KEYSHOP"].instance, db.session)
        db.session.remove()
        return lines


def _attempts(app) -> int:
    with app.app_context():
        attempts = db.session.scalar(select(ImportRun.attempts))
        db.session.remove()
        return attempts


def test_an_import_whose_job_was_lost_from_redis_is_enqueued_again_by_the_sweeper(
    app, client, headers, shop_env, redis_server
):
    codes = unique_codes(500, "LOST")
    url = _upload(client, headers, codes)
    redis_server.flush()  # the job is gone before any worker saw it; only the row knows of the import
    assert _status(client, headers, url)["status"] == "queued"
    worker = WorkerProcess(shop_env)  # its periodic sweeper (every second here) finds the row again
    try:
        status = _wait(client, headers, url, lambda s: s["status"] in ("finished", "failed"))
    finally:
        worker.stop()
    assert status["status"] == "finished", worker.log()[-3000:]
    assert (status["result"]["imported"], status["done"], status["total"]) == (500, 500, 500)
    assert _ledger(app) == ({"available": 500}, ["complete"], [], [])
    assert _uploads_on_disk(app) == []


def test_a_worker_killed_mid_import_is_resumed_and_stores_each_code_once(app, client, headers, shop_env):
    codes = unique_codes(60_000, "KILL")
    worker = WorkerProcess(shop_env)
    url = _upload(client, headers, codes)
    try:
        status = _wait(client, headers, url, lambda s: s["done"] >= 5000 or s["status"] != "queued")
        assert status["status"] == "started" and status["done"] < 60_000, status
        worker.kill()  # SIGKILL mid-import: no clean-up of any kind
    finally:
        worker.stop()
    with app.app_context():
        assert db.session.scalar(select(ImportRun.state)) == "running"  # what the dead run left
        db.session.remove()
    assert len(_uploads_on_disk(app)) == 1

    second = WorkerProcess(shop_env)  # its sweeper sees the heartbeat stopped, and queues the import again
    try:
        status = _wait(client, headers, url, lambda s: s["status"] in ("finished", "failed"), seconds=180)
    finally:
        second.stop()
    assert status["status"] == "finished", second.log()[-3000:]
    result = status["result"]
    assert (result["imported"], result["duplicates"], result["rejected"]) == (60_000, 0, 0)  # no line read twice
    assert _attempts(app) == 2  # resumed, not started from a fresh batch
    assert _ledger(app) == ({"available": 60_000}, ["complete"], [], [])
    assert _uploads_on_disk(app) == []


def test_an_import_whose_upload_is_gone_is_failed_with_its_reason(app, client, headers):
    url = _upload(client, headers, unique_codes(50, "GONE"))  # no worker: it stays queued
    [parked] = _uploads_on_disk(app)
    parked.unlink()
    time.sleep(3.0)
    assert _sweep(app) == 1
    status = _status(client, headers, url)
    assert status["status"] == "failed"
    assert "the uploaded file is gone" in status["error"]
    assert _ledger(app) == ({}, [], [], [])

    from tests.app.web.test_admin_stock import _signed_in

    _signed_in(app, client, "agent")  # staff see it on the import's page too
    page = client.get(f"/admin/imports/{status['id']}").get_data(as_text=True)
    assert "Import failed" in page and "the uploaded file is gone" in page


def test_an_import_that_kills_its_worker_every_time_is_failed_not_retried_forever(app, client, headers, shop_env):
    worker = WorkerProcess(shop_env)
    url = _upload(client, headers, unique_codes(30_000, "DEATH"))
    try:
        _wait(client, headers, url, lambda s: s["done"] >= 5000 or s["status"] != "queued")
        worker.kill()
    finally:
        worker.stop()
    with app.app_context():  # as if it had died this often already
        db.session.execute(update(ImportRun).values(attempts=MAX_ATTEMPTS))
        db.session.commit()
        db.session.remove()
    time.sleep(3.5)
    assert _sweep(app) == 1
    status = _status(client, headers, url)
    assert status["status"] == "failed"
    assert f"stopped {MAX_ATTEMPTS} times" in status["error"]
    assert _ledger(app) == ({}, [], [], [])  # the half-written batch is gone with the upload
    assert _uploads_on_disk(app) == []


def test_a_file_the_import_refuses_fails_the_job_with_the_reason(app, client, headers, worker):
    body = "\n".join(unique_codes(20, "UTF32")).encode("utf-32")
    answer = client.post("/api/v1/products/card/batches", data=body, headers=headers)
    status = _wait(client, headers, answer.json["url"], lambda s: s["status"] in ("finished", "failed"))
    assert status["status"] == "failed"
    assert "UTF-32" in status["error"] and "save it as UTF-8" in status["error"]
    assert _ledger(app) == ({}, [], [], [])
    assert _uploads_on_disk(app) == []


def test_the_ledger_check_names_a_stuck_import_and_its_upload(app, client, headers):
    _upload(client, headers, unique_codes(10, "STUCK"))  # queued, and no worker ever comes
    codes, batches, stuck, leftovers = _ledger(app)
    assert len(stuck) == 1 and stuck[0].startswith("import 1 (batch not opened, product card): queued since ")
    assert leftovers == []  # its import is still pending: the file is not left over
    with app.app_context():
        db.session.execute(update(ImportRun).values(state="failed"))  # an import that ended uncleanly
        db.session.commit()
        db.session.remove()
    [line] = _leftovers_later(app)
    assert "a plaintext upload" in line and "no running import" in line
