"""The OpenAPI 3.0 description of the JSON API, served at /api/v1/openapi.json. The API fuzz test
(tests/app/web/test_api_fuzz.py) holds the code to it: a route that answers outside it fails."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.web.openapi_merchant import MERCHANT_PATHS
from app.web.openapi_reports import REPORT_PATHS
from app.web.openapi_shapes import COUNTS, CURRENCY, REFUSED, TOKEN_AUTH, error, json_body

bp = Blueprint("openapi", __name__)

_STOCK_ROW = {
    "type": "object",
    "required": ["id", "name", "counts"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "counts": COUNTS},
}
_PRODUCT = {
    "type": "object",
    "required": ["slug", "name", "price_minor", "currency", "price", "stock", "category", "image_url", "max_per_order"],
    "properties": {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "price_minor": {"type": "integer", "minimum": 0},
        "currency": CURRENCY,
        "price": {"type": "string"},
        "stock": {"type": "string", "enum": ["in_stock", "low", "sold_out"]},
        "stock_count": {"type": "integer"},
        "category": {"type": "string"},
        "image_url": {"type": "string", "nullable": True, "description": "the picture's path on this shop"},
        "max_per_order": {"type": "integer", "minimum": 1},
    },
}
_NEW_ORDER = {
    "type": "object",
    "required": ["product", "email", "method"],
    "properties": {
        "product": {"type": "string", "description": "a product's slug"},
        "quantity": {"type": "integer", "minimum": 1, "default": 1},
        "email": {"type": "string", "format": "email"},
        "method": {"type": "string", "description": "a payment method the shop offers, e.g. stripe"},
        "locale": {"type": "string", "description": "en, de or zh: the language of mail and pages"},
    },
}
_PLACED = {
    "type": "object",
    "required": ["token", "number", "status", "url", "payment"],
    "properties": {
        "token": {"type": "string", "description": "the order's secret; the only way to read it back"},
        "number": {"type": "string"},
        "status": {"type": "string"},
        "url": {"type": "string"},
        "payment": {"type": "object", "properties": {"provider": {"type": "string"}, "url": {"type": "string"}}},
    },
}
_ORDER = {
    "type": "object",
    "required": ["number", "status", "product", "quantity", "amount_minor", "currency"],
    "properties": {
        "number": {"type": "string"},
        "status": {"type": "string"},
        "product": {"type": "string"},
        "quantity": {"type": "integer"},
        "amount_minor": {"type": "integer"},
        "currency": {"type": "string"},
        "codes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "the working codes (not those under review); for a product shown on request, only those revealed",
        },
        "codes_under_review": {
            "type": "array",
            "items": {"type": "string"},
            "description": "codes their buyer reported, while the report is open: not to be used as working ones",
        },
        "codes_on_request": {
            "type": "boolean",
            "description": "codes are held back until revealed (POST reveal.url); each reveal is recorded",
        },
        "codes_to_reveal": {"type": "integer", "minimum": 0, "description": "codes held back until the next reveal"},
        "reveal": {"type": "object", "properties": {"method": {"type": "string"}, "url": {"type": "string"}}},
        "reveals": {
            "type": "array",
            "items": {"type": "object", "properties": {"at": {"type": "string"}, "address": {"type": "string"}}},
        },
        "refunds": {"type": "array", "items": {"type": "object"}},
    },
}
_IMPORT = {
    "type": "object",
    "properties": {
        "batch_id": {"type": ["integer", "null"]},
        "imported": {"type": "integer"},
        "duplicates": {"type": "integer"},
        "rejected": {"type": "integer"},
        "problems": {
            "type": "array",
            "items": {"type": "object", "properties": {"line": {"type": "integer"}, "reason": {"type": "string"}}},
        },
    },
}


SPEC = {
    "openapi": "3.0.3",
    "info": {
        "title": "keyshop",
        "version": "1",
        "description": "Products, orders and stock. A buyer reads an order back only with its secret token; "
        "the merchant's scripts read orders, refunds and stock under /api/v1/merchant with an API token's scopes.",
    },
    "components": {
        "securitySchemes": {
            "token": {"type": "http", "scheme": "bearer", "description": "keyshop api-token create NAME --scope …"}
        }
    },
    "paths": {
        "/api/v1/products": {
            "get": {
                "summary": "Products for sale",
                "responses": {
                    "200": json_body(
                        {
                            "type": "object",
                            "required": ["products"],
                            "properties": {"products": {"type": "array", "items": _PRODUCT}},
                        },
                        "the catalogue",
                    )
                },
            }
        },
        "/api/v1/orders": {
            "post": {
                "summary": "Place an order; pay at payment.url",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _NEW_ORDER}}},
                "responses": {
                    "201": json_body(_PLACED, "placed, waiting for payment"),
                    "400": error("not a JSON object"),
                    "403": error("this buyer may not buy"),
                    "422": error("a field is wrong (named)"),
                    "429": error("too many orders from this address"),
                    "503": error("the payment provider cannot be reached"),
                },
            }
        },
        "/api/v1/orders/{token}": {
            "get": {
                "summary": "An order, and its codes once delivered",
                "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": json_body(_ORDER, "the order"), "404": error("no order has this token")},
            }
        },
        "/api/v1/orders/{token}/reveal": {
            "post": {
                "summary": "Reveal the codes of an order shown on request (recorded: time, address, user agent)",
                "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": json_body(_ORDER, "the order, its codes revealed"),
                    "404": error("no order has this token"),
                    "409": error("the order has no codes shown on request (not delivered, or not such a product)"),
                    "429": error("too many reveals of this order"),
                },
            }
        },
        "/api/v1/stock": {
            "get": {
                "summary": "Codes per product and batch, by state",
                "security": TOKEN_AUTH,
                "responses": {
                    "200": json_body(
                        {
                            "type": "object",
                            "properties": {
                                "products": {"type": "array", "items": _STOCK_ROW},
                                "batches": {"type": "array", "items": _STOCK_ROW},
                            },
                        },
                        "stock",
                    ),
                    **REFUSED,
                },
            }
        },
        "/api/v1/products/{slug}/batches": {
            "post": {
                "summary": "Upload a batch of codes (txt: one per line; csv: with a header)",
                "security": TOKEN_AUTH,
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "name", "in": "query", "schema": {"type": "string"}},
                    {"name": "supplier", "in": "query", "schema": {"type": "string"}},
                    {"name": "dry_run", "in": "query", "schema": {"type": "string", "enum": ["1", "0"]}},
                ],
                "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}},
                "responses": {
                    "201": json_body(_IMPORT, "stored"),
                    "200": json_body(_IMPORT, "nothing stored (dry run, or none valid)"),
                    "202": json_body({"type": "object"}, "large: imported by a job; poll its url"),
                    "404": {"description": "no such product"},
                    "413": {"description": "too large"},
                    "422": error("the file cannot be read (the message names the line)"),
                    **REFUSED,
                },
            }
        },
        "/api/v1/imports/{job_id}": {
            "get": {
                "summary": "A batch import's progress",
                "security": TOKEN_AUTH,
                "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": json_body({"type": "object"}, "progress"),
                    "404": {"description": "no such job"},
                    **REFUSED,
                },
            }
        },
    },
}


SPEC["paths"].update(MERCHANT_PATHS)
SPEC["paths"].update(REPORT_PATHS)

# Any operation refuses a value no field can hold (app/web/hostile.py): NUL, a control character, a lone
# surrogate, a number past 64 bits.
for _operations in SPEC["paths"].values():
    for _operation in _operations.values():
        _operation["responses"].setdefault("400", error("a value no field can hold (the field is named)"))


@bp.get("/api/v1/openapi.json")
def openapi():
    return jsonify(SPEC)
