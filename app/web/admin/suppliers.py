"""Staff supplier pages: a supplier's scorecard, and the claim export to ask them for credit.

The supplier is named in the query or the form (a name may hold any character, "/" too)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import abort, g, render_template, request
from flask_babel import gettext

from app.core.extensions import db
from app.core.money import to_major
from app.web.admin import bp, owner_required, staff_required
from app.web.admin.exports import csv_download
from app.web.admin.stock import _keyring, _limit_reveals
from feedback.supplier_claims import claim_csv
from feedback.suppliers import UnknownSupplier, scorecard

SUPPLIER_LENGTH = 200  # keystore.models.Batch.supplier


@bp.get("/suppliers/scorecard")
@staff_required
def supplier_scorecard():
    supplier = _supplier(request.args.get("name", ""))
    try:
        card = scorecard(db.session, supplier)
    except UnknownSupplier:
        abort(404, gettext("No batch comes from this supplier."))
    db.session.rollback()
    return render_template("admin/supplier.html", supplier=supplier, card=card, to_major=to_major)


@bp.post("/suppliers/claim.csv")
@owner_required
def supplier_claim():
    form = request.form
    supplier = _supplier(form.get("supplier", ""))
    since, until = _day(form.get("since", ""), "since"), _day(form.get("until", ""), "until")
    if until is not None:
        until += timedelta(days=1)  # the last day named is included
    _limit_reveals()  # it opens codes, as a batch export does: counted alike
    try:
        body = claim_csv(db.session, _keyring(), g.actor, supplier, since, until, form.get("reason", ""))
    except UnknownSupplier:
        abort(404, gettext("No batch comes from this supplier."))
    return csv_download(body, "supplier-claim.csv")


def _supplier(name: str) -> str:
    if len(name) > SUPPLIER_LENGTH:
        abort(400, gettext("supplier: at most %(most)s characters", most=SUPPLIER_LENGTH))
    return name


def _day(text: str, field: str) -> datetime | None:
    """A day typed as YYYY-MM-DD (the date input's own form), from its midnight UTC; blank for none."""
    if not text.strip():
        return None
    try:
        return datetime.combine(date.fromisoformat(text.strip()), time())
    except ValueError:
        abort(400, gettext("%(field)s: a day as YYYY-MM-DD", field=field))
