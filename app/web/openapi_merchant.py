"""The OpenAPI description of /api/v1/merchant: orders, refunds and products for the merchant's
scripts, each behind an API token's scope (app/web/api_merchant.py, app/web/api_refunds.py)."""

from __future__ import annotations

from app.core.order_states import ORDER_STATUSES
from app.web.api_fields import MAX_PAGE
from app.web.api_merchant import MOST_PER_PAGE
from app.web.api_refunds import LONGEST_REASON
from app.web.openapi_shapes import COUNTS, CURRENCY, error, guarded, json_body, path_text, record

_MOMENT = {"type": "string", "format": "date-time", "nullable": True}
_REFUND = record(
    {
        "id": {"type": "integer"},
        "order": {"type": "string", "description": "the order's number"},
        "amount_minor": {"type": "integer", "minimum": 1},
        "currency": CURRENCY,
        "status": {"type": "string", "enum": ["requested", "pending", "succeeded", "manual", "failed"]},
        "reason": {"type": "string"},
        "error": {"type": "string", "description": "why the provider refused, when it did"},
        "created_at": {"type": "string", "format": "date-time"},
        "settled_at": _MOMENT,
    },
    "settled_at",
)
_ORDER = record(
    {
        "number": {"type": "string"},
        "status": {"type": "string", "enum": list(ORDER_STATUSES)},
        "product": {"type": "string", "description": "the product's slug"},
        "quantity": {"type": "integer", "minimum": 1},
        "amount_minor": {"type": "integer", "minimum": 0},
        "currency": CURRENCY,
        "email": {"type": "string"},
        "method": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "paid_at": _MOMENT,
        "delivered_at": _MOMENT,
        "refunds": {"type": "array", "items": _REFUND},
        "codes": {"type": "array", "items": {"type": "string"}, "description": "only with the codes scope"},
    },
    "paid_at",
    "delivered_at",
    "refunds",
    "codes",
)
_PAGE = record(
    {
        "orders": {"type": "array", "items": _ORDER},
        "page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1},
    }
)
_PRODUCT = record(
    {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "active": {"type": "boolean", "description": "on sale"},
        "price_minor": {"type": "integer", "minimum": 0},
        "currency": CURRENCY,
        "stock": COUNTS,
    }
)
_NEW_REFUND = record(
    {
        "amount_minor": {"type": "integer", "minimum": 1, "description": "in the order's currency"},
        "idempotency_key": {
            "type": "string",
            "pattern": "^[A-Za-z0-9._:-]{8,60}$",
            "description": "the script's own, one per refund: a request sent again with it refunds once",
        },
        "reason": {"type": "string", "maxLength": LONGEST_REASON},
    },
    "reason",
)


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


_LIST_PARAMETERS = [
    _query("q", {"type": "string", "maxLength": 254}, "part of an order's number or email"),
    _query("status", {"type": "string", "enum": list(ORDER_STATUSES)}, "only orders in this state"),
    _query("product", {"type": "string", "maxLength": 100}, "only orders of this product (its slug)"),
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "from 1"),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": MOST_PER_PAGE}, "50 unless told"),
]


MERCHANT_PATHS = {
    "/api/v1/merchant/orders": {
        "get": guarded(
            "Orders, newest first (orders scope)",
            {"200": json_body(_PAGE, "a page of orders"), "422": error("a query value is wrong (named)")},
            parameters=_LIST_PARAMETERS,
        )
    },
    "/api/v1/merchant/orders/{number}": {
        "get": guarded(
            "One order by its number, with its refunds (orders scope) and codes (codes scope)",
            {"200": json_body(_ORDER, "the order"), "404": error("no order has this number")},
            parameters=[path_text("number")],
        )
    },
    "/api/v1/merchant/orders/{number}/refunds": {
        "post": guarded(
            "Ask for a refund (refunds scope; within the agents' refund limit)",
            {
                "201": json_body(_REFUND, "asked for; the provider is called next"),
                "200": json_body(_REFUND, "this key asked for it before: the same refund, nothing new"),
                "404": error("no order has this number"),
                "409": error("the key was used for another order or amount"),
                "422": error("a field is wrong (named): too much, nothing paid, over the limit"),
            },
            parameters=[path_text("number")],
            requestBody={"required": True, "content": {"application/json": {"schema": _NEW_REFUND}}},
        )
    },
    "/api/v1/merchant/refunds/{refund_id}": {
        "get": guarded(
            "A refund's state (refunds scope)",
            {"200": json_body(_REFUND, "the refund"), "404": error("no such refund")},
            parameters=[
                {"name": "refund_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
            ],
        )
    },
    "/api/v1/merchant/products": {
        "get": guarded(
            "Every product, on sale or not, with its codes by state (stock scope)",
            {"200": json_body(record({"products": {"type": "array", "items": _PRODUCT}}), "the products")},
        )
    },
}
