"""The owner's shop settings: name, mail sender, support address, footer pages, public base URL;
and the warning on every staff page when requests arrive elsewhere than the links we send."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext

from app.core.errors import BuyerError
from app.core.extensions import db
from app.core.public_url import arrived_elsewhere, base_url_source
from app.core.shop_profile import KEYS, PAGES
from app.core.shop_profile_edit import checked_changes, save_profile
from app.core.shop_settings import stored_values
from app.web.admin import bp, owner_required
from app.web.shared import settings

LABELS = dict(  # each a literal, so that extraction finds it
    shop_name=lazy_gettext("Shop name"),
    mail_sender_name=lazy_gettext("Mail sender name"),
    mail_sender_address=lazy_gettext("Mail sender address"),
    support_address=lazy_gettext("Support address"),
    base_url=lazy_gettext("Public base URL"),
    page_terms=lazy_gettext("Terms"),
    page_privacy=lazy_gettext("Privacy"),
    page_imprint=lazy_gettext("Imprint"),
)
FORM_KEYS = tuple(key for key in KEYS if key != "listen_url") + tuple(f"page_{page}" for page in PAGES)


@bp.get("/settings")
@owner_required
def shop_settings():
    values = stored_values(db.session, FORM_KEYS)
    db.session.rollback()
    return _page(values)


@bp.post("/settings")
@owner_required
def save_shop_settings():
    form = {key: request.form[key] for key in FORM_KEYS if key in request.form}
    try:
        changes = checked_changes(form, base_url_editable=settings().configured_base_url is None)
    except BuyerError as exc:  # the form again, as sent, with what to fix
        return _page(form, error=f"{LABELS[exc.field]}: {gettext(exc.message, **exc.params)}", field=exc.field), 400
    changed = save_profile(db.session, g.actor, changes)
    flash(gettext("Settings saved.") if changed else gettext("Nothing changed."))
    return redirect(url_for("admin.shop_settings"))


def _page(values: dict[str, str], error: str = "", field: str = ""):
    return render_template(
        "admin/settings.html",
        values=values,
        labels=LABELS,
        pages=PAGES,
        error=error,
        error_field=field,
        base_url=settings().base_url,
        source=base_url_source(settings().configured_base_url),
    )


@bp.context_processor
def _base_url_warning() -> dict:
    """For staff pages: where this request arrived and where our links point, when they differ."""
    if request.blueprint != "admin" or g.get("actor") is None:
        return {}
    links = settings().base_url
    return {"base_url_warning": (request.host_url, links)} if arrived_elsewhere(request.host_url, links) else {}
