"""What the support widget asks for: the buyer's conversations and orders (by the secret links their
browser kept), their latest replies, and proactive notes. It changes nothing but a note's "seen",
and takes JSON bodies only, which no other site's form can send (a cross-site fetch with that type
needs a preflight this app never allows): that is its CSRF defence."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for

from app.core.extensions import db
from app.core.i18n import current_language
from app.web.help import fallback_language
from app.web.numbers import column_int
from app.web.visitor import known_visitor
from delivery.order_view import find_order
from feedback.help.notices import mark_seen, unseen
from feedback.help.reading import for_product
from feedback.support.conversations import buyer_messages, find_conversation

bp = Blueprint("widget", __name__, url_prefix="/widget")
MAX_LINKS = 20


@bp.post("/state")
def state():
    body = _json_body()
    conversations = [_conversation(token) for token in _listed(body, "conversations")]
    orders = _orders(body)
    notices = unseen(db.session, list(orders), known_visitor(), current_language())
    response = jsonify(
        conversations=[c for c in conversations if c],
        notices=[{"id": n.id, "kind": n.kind, "text": n.text, "url": _notice_url(n, orders)} for n in notices],
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/seen")
def seen():
    """The page showed these notes; they are not given again."""
    body = _json_body()
    ids = _listed(body, "notices", int)
    return jsonify(marked=mark_seen(db.session, ids, list(_orders(body)), known_visitor()))


def _json_body() -> dict:
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        abort(415)
    return body


def _orders(body: dict) -> dict[int, str]:
    orders = {found.id: token for token in _listed(body, "orders") if (found := find_order(db.session, token))}
    db.session.rollback()
    return orders


def _listed(body: dict, key: str, kind: type = str) -> list:
    """Up to MAX_LINKS items of `kind` from the list at `key`; anything else in the body is ignored."""
    items = body.get(key)
    return [item for item in items[:MAX_LINKS] if _is(item, kind)] if isinstance(items, list) else []


def _is(item, kind: type) -> bool:
    """Of that kind exactly (a bool is no id); an id no column holds is no note of theirs either."""
    return type(item) is kind and (kind is not int or column_int(item) is not None)


def _conversation(token: str) -> dict | None:
    found = find_conversation(db.session, token)
    if found is None:
        return None
    messages = buyer_messages(db.session, found.id)
    staff = [m for m in messages if m.author_kind == "staff"]
    latest = staff[-1].body if staff else ""
    return {
        "token": token,
        "number": found.number,
        "subject": found.subject,
        "status": found.status,
        "url": url_for("support.conversation", token=token),
        "staff_replies": len(staff),
        "latest_reply": latest[:200] + ("…" if len(latest) > 200 else ""),
    }


def _notice_url(notice, orders: dict[int, str]) -> str:
    if notice.order_id in orders:
        return url_for("storefront.order_page", token=orders[notice.order_id])
    articles = (
        for_product(db.session, notice.product_id, current_language(), fallback_language()) if notice.product_id else []
    )
    db.session.rollback()
    return url_for("help.article", slug=articles[0].slug) if articles else url_for("help.index")
