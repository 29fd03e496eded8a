"""Stored codes and the batches they came in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.core.extensions import db
from keystore.binding import binding as binding  # re-exported: the models' callers use it from here

# "staged": imported by a batch that has not finished; never sold until the batch completes.
CODE_STATUSES = ("staged", "available", "delivered", "reported", "invalid", "confirmed_ok", "quarantined", "revoked")
SOLD_STATUSES = ("delivered", "reported", "invalid", "confirmed_ok")
BATCH_STATUSES = ("importing", "complete")


class Batch(db.Model):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(32))  # cli, admin, api, demo
    supplier: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(16), default="importing")
    lines_done: Mapped[int] = mapped_column(default=0)  # the last line stored: where a resume starts
    imported: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    # Complaints (reports per 100 delivered) at or above the threshold, once there are at least
    # complaint_min_reports, put the batch on hold: its unsold codes are quarantined.
    complaint_threshold_pct: Mapped[int] = mapped_column(default=5, server_default="5")
    complaint_min_reports: Mapped[int] = mapped_column(default=3, server_default="3")
    on_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When staff last released a hold: the complaint count starts again from the codes sold since.
    released_at: Mapped[datetime | None] = mapped_column()
    # "quarantined" or "revoked" while staff keep the batch off sale (keystore.staff_actions), else
    # "": a refunded order's codes never shown go back to where their batch is (keystore.reveals).
    withdrawn: Mapped[str] = mapped_column(String(16), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Code(db.Model):
    __tablename__ = "codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="available")
    blind_index: Mapped[bytes] = mapped_column(LargeBinary(32))
    key_id: Mapped[str] = mapped_column(String(16))
    nonce: Mapped[bytes] = mapped_column(LargeBinary(12))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    delivered_at: Mapped[datetime | None] = mapped_column()
    # False only for a reusable product's code (one shared code sold to every buyer), which other
    # products may hold too; every other code is unique in the whole shop. Set at import from the
    # product, whose `reusable` never changes afterwards.
    shop_unique: Mapped[bool] = mapped_column(default=True, server_default=true())
    # For an order whose codes are shown on request: when its buyer first pressed "show" with this
    # code on the order (keystore.reveals). Never shown, it goes back to stock on a refund.
    revealed_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        # The blind index finds duplicates against everything ever stocked, in any state: within a
        # product always (the ciphertext's binding relies on it), and across the shop for every
        # code not of a reusable product, so no code is sold in two products.
        UniqueConstraint("product_id", "blind_index", name="uq_codes_product_blind_index"),
        Index(
            "uq_codes_shop_blind_index",
            "blind_index",
            unique=True,
            sqlite_where=text("shop_unique"),
            postgresql_where=text("shop_unique"),
        ),
        # The claim walks only unsold rows, in id order (first in, first out).
        Index(
            "ix_codes_available",
            "product_id",
            "id",
            sqlite_where=text("status = 'available'"),
            postgresql_where=text("status = 'available'"),
        ),
    )


IMPORT_STATES = ("queued", "running", "finished", "failed")


class ImportRun(db.Model):
    """A large upload imported by a worker (see delivery.import_runs). The row is written before its
    job is enqueued, so a job lost from Redis or a worker killed mid-way is found again by the
    sweeper, and staff see what became of it."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    # No foreign key: a batch that imported nothing, or an interrupted one discarded, is deleted.
    batch_id: Mapped[int | None] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    supplier: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by: Mapped[str] = mapped_column(String(254), default="")
    source: Mapped[str] = mapped_column(String(32))
    upload_path: Mapped[str] = mapped_column(String(500))  # the parked plaintext, removed when the run ends
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)  # runs started; each run's updates are guarded by it
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)  # queued, or last sign of its running job
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str] = mapped_column(Text, default="")  # why it failed; never holds a code
    result: Mapped[str] = mapped_column(Text, default="")  # ImportResult.as_json: counts and line problems


class CodeReveal(db.Model):
    """One press of "show my codes" by whoever holds the order's link: evidence of who saw them."""

    __tablename__ = "code_reveals"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    revealed_at: Mapped[datetime] = mapped_column(default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(400), default="")
    codes_shown: Mapped[int] = mapped_column(default=0)  # first shown by this press (0: seen before)
