"""The machinery of the route sweep (test_route_sweep.py): a shop with one of each thing a path can
name, requests built from (kind, fields) with hostile bytes left as they are, and a count of every row
changed, which a refused request must leave as it was."""

from __future__ import annotations

import io
import itertools
import json
import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from sqlalchemy import select

from app.core.api_tokens import SCOPES, create_token
from app.core.extensions import db
from delivery.chat.models import ChatChannel
from feedback.help.models import HelpArticle
from feedback.models import CodeReport, Review
from feedback.support.models import Attachment, Conversation
from keystore.models import Batch, Code
from payments.models import Dispute, Payment, Refund
from tests.app.web.changes import changes
from tests.feedback.aftersale import PASSWORD, delivered, report_via_page, review_via_page, staff, staff_post
from tests.shop import csrf_from, make_product, sign_in, stock, unique_codes

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Shop:
    app: object
    buyer: object
    owner: object
    api_token: str
    samples: dict  # a real value for each path argument, so a view goes past its lookup


class Sweep:
    """Sends requests and holds the count of changed rows: after a 4xx it must be what it was before."""

    def __init__(self, shop: Shop):
        self.shop, self.state = shop, changes(shop.app)
        self.addresses = itertools.count(1)

    def send(self, rule, method: str, path: str, query: dict, body: tuple | None) -> None:
        client, signed_in_again = _client(self.shop, rule)
        if signed_in_again:  # a sign-in is a session row and an audit entry: the request is measured from here
            self.state = changes(self.shop.app)
        if query:
            path += "?" + urlencode(query, encoding="utf-8", errors="surrogatepass")
        answer = client.open(
            path,
            method=method,
            headers=_headers(self.shop, path),
            environ_base={"REMOTE_ADDR": self._fresh_address()},
            **_request_body(client, body),
        )
        where = f"{method} {path[:150]} with {str(body)[:150]!r}"
        assert answer.status_code < 500, f"{where} answered {answer.status_code}"
        now = changes(self.shop.app)
        assert not 400 <= answer.status_code < 500 or now == self.state, f"{where}: {answer.status_code}, rows changed"
        self.state = now

    def _fresh_address(self) -> str:
        """Each request from its own address: the rate limits, which would answer 429, stay out of the way."""
        n = next(self.addresses)
        return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def real_paths(rule, samples: dict, values: dict | None = None) -> list[str]:
    """The rule with real rows (or `values`), once per choice of its any(…) argument (reply, hide, show …)."""
    values = values or {}
    choices = [(name, sorted(c.items)) for name, c in rule._converters.items() if hasattr(c, "items")]
    if not choices:
        return [path_for(rule, values, samples)]
    name, items = choices[0]
    return [path_for(rule, {**values, name: item}, samples) for item in items]


def path_for(rule, values: dict, samples: dict) -> str:
    """The rule with `values` for its arguments (a real row's where None or absent; any(…) keeps a choice)."""

    def segment(match):
        name = match.group(1)
        converter = rule._converters[name]
        value = values.get(name)
        if hasattr(converter, "items") and value not in converter.items:
            value = sorted(converter.items)[0]
        value = _sample(rule.rule, name, samples) if value is None else value
        return quote(str(value).encode("utf-8", "surrogatepass"), safe="")

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", segment, rule.rule)


def _sample(rule: str, name: str, samples: dict):
    """The real row a path argument names: an order's token or number, or a conversation's; a product's
    slug or a help article's."""
    if name == "slug" and rule.startswith("/help"):
        return "redeem"
    if name in ("token", "number"):
        return samples[f"order_{name}" if rule.startswith(("/o/", "/api/", "/admin/orders")) else f"talk_{name}"]
    return samples.get(name, 1)


def _request_body(client, body) -> dict:
    """("form", fields), ("json", value) or ("multipart", fields, file names) as the test client's arguments;
    text goes as UTF-8 bytes, lone surrogates too (as a broken browser would send them)."""
    if not body:
        return {}
    if body[0] == "json":
        return {"data": json.dumps(body[1]), "content_type": "application/json"}
    fields = {**body[1], "csrf_token": _csrf(client)}
    if body[0] == "form":
        return {
            "data": urlencode(fields, encoding="utf-8", errors="surrogatepass"),
            "content_type": "application/x-www-form-urlencoded",
        }
    files = {field: (io.BytesIO(b"\x89PNG\r\n\x1a\nCODE-1\n"), _header_safe(name)) for field, name in body[2].items()}
    return {
        "data": {**{k: v.encode("utf-8", "surrogatepass") for k, v in fields.items()}, **files},
        "content_type": "multipart/form-data",
    }


def _header_safe(name: str) -> str:
    """A file name goes in a part's header, which the client writes as UTF-8: a surrogate cannot be sent."""
    return re.sub(r"[\ud800-\udfff]", "\x00", name)


def _client(shop: Shop, rule):
    """The owner for staff pages, signed in again if a swept sign-in page ended the session; and
    whether it was."""
    if not rule.rule.startswith("/admin"):
        return shop.buyer, False
    with shop.owner.session_transaction() as session:
        signed_in = "staff_id" in session
    if not signed_in:
        sign_in(shop.owner, "owner@shop.test", PASSWORD)
    return shop.owner, not signed_in


def _csrf(client) -> str:
    with client.session_transaction() as session:
        token = session.get("csrf_token")
    return token or csrf_from(client, "/lookup")


def _headers(shop: Shop, path: str) -> dict:
    """Scoped API routes get a token with every scope, so they read the body too."""
    return {"Authorization": f"Bearer {shop.api_token}"} if path.startswith(("/api/", "/metrics")) else {}


def seeded_shop(app) -> Shop:
    """One of each thing a path can name: an order with a report, a review and a refund, a conversation
    with an attachment, a help article, a block, and an owner signed in, so each view goes past its lookup."""
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(3))
    buyer, owner = app.test_client(), app.test_client()
    placed = delivered(app, buyer)
    code_id = _one(app, select(Code.id).where(Code.order_id == placed.order_id))
    report_via_page(buyer, placed.token, code_id)
    review_via_page(buyer, placed.token, "2", "fine")
    opened = buyer.post(
        "/p/card/ask",
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf_from(buyer, "/p/card/ask"),
            "email": "asker@example.com",
            "message": "Hello there",
            "image": (io.BytesIO(PNG), "shot.png"),
        },
    )
    staff(app, owner, "owner@shop.test", role="owner")
    staff_post(owner, f"/admin/orders/{placed.number}/refunds", amount="1.00", key="k" * 16, reason="goodwill")
    staff_post(owner, "/admin/help/categories", slug="faq", name_en="FAQ")
    staff_post(
        owner,
        "/admin/help/articles/new",
        slug="redeem",
        category_id="1",
        title_en="Redeem",
        body_en="How",
        published="1",
    )
    staff_post(owner, "/admin/blocks", kind="email", value="fraud@example.com", reason="fraud")
    # a chat channel whose server refuses at once (port 9 on loopback): its test button goes past its lookup
    staff_post(owner, "/admin/chat", name="sweep", url="json://127.0.0.1:9/hook", events="order.paid")
    with app.app_context():
        api_token = create_token(db.session, "sweep", list(SCOPES), "test")
        # a chargeback of the order, so the dispute pages go past their lookup
        db.session.add(
            Dispute(
                provider="sandbox", reference="dp_sweep", order_id=placed.order_id, amount_minor=999, currency="USD"
            )
        )
        db.session.commit()
        db.session.remove()
    samples = {
        "order_token": placed.token,
        "order_number": placed.number,
        "slug": "card",
        "name": "sandbox",
        "talk_token": opened.headers["Location"].rsplit("/", 1)[-1],
        "product_id": product_id,
        "code_id": code_id,
        "block_id": 1,
        "refund_id": _one(app, select(Refund.id)),
        "attachment_id": _one(app, select(Attachment.id)),
        "payment_id": _one(app, select(Payment.id)),
        "job_id": "1",
        "batch_id": _one(app, select(Batch.id)),
        "report_id": _one(app, select(CodeReport.id)),
        "review_id": _one(app, select(Review.id)),
        "article_id": _one(app, select(HelpArticle.id)),
        "talk_number": _one(app, select(Conversation.number)),
        "channel_id": _one(app, select(ChatChannel.id)),
        "dispute_id": _one(app, select(Dispute.id)),
    }
    return Shop(app, buyer, owner, api_token, samples)


def _one(app, query):
    with app.app_context():
        value = db.session.scalars(query).first()
        db.session.remove()
    assert value is not None, query
    return value
