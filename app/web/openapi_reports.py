"""The OpenAPI description of the merchant's reports API (app/web/api_reports.py, "reports" scope)."""

from __future__ import annotations

from app.web.api_reports import DECISIONS, LONGEST_MESSAGE, MOST_AT_ONCE, MOST_LISTED, SEVERAL
from app.web.openapi_shapes import CURRENCY, error, guarded, json_body, record
from feedback.models import REPORT_REASONS, REPORT_STATES

_STATUS = {"type": "string", "enum": list(REPORT_STATES)}
_LISTED = record(
    {
        "id": {"type": "integer"},
        "status": _STATUS,
        "order": {"type": "string", "description": "the order's number"},
        "product": {"type": "string"},
        "batch": {"type": "string"},
        "supplier": {"type": "string"},
        "buyer": {"type": "string"},
        "reason": {"type": "string", "enum": list(REPORT_REASONS)},
        "text": {"type": "string", "description": "the buyer's words"},
        "held_because": {"type": "string", "description": "why the policy left it to staff"},
        "message": {"type": "string", "description": "what the buyer was told on a rejection"},
        "resolved_by": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "unit_price_minor": {"type": "integer", "description": "one code's share of the order: a refund's default"},
        "currency": CURRENCY,
        "buyer_history": record({"reports": {"type": "integer"}, "rejected": {"type": "integer"}}),
    }
)
_DECIDED = record(
    {
        "id": {"type": "integer"},
        "status": _STATUS,
        "order": {"type": "string"},
        "resolved_by": {"type": "string"},
        "refund_id": {"type": "integer", "nullable": True},
        "replaced": {"type": "boolean"},
    }
)
_DECISION = record(
    {
        "decision": {"type": "string", "enum": list(DECISIONS)},
        "amount_minor": {"type": "integer", "minimum": 1, "description": "refund: in the order's currency"},
        "message": {"type": "string", "maxLength": LONGEST_MESSAGE, "description": "reject: the buyer reads it"},
        "batch_id": {
            "type": "integer",
            "minimum": 1,
            "description": "replace: the batch the new code comes from (else the lowest complaint rate's)",
        },
    },
    "amount_minor",
    "message",
    "batch_id",
)

_SEVERAL = record(
    {
        "reports": {
            "type": "array",
            "items": {"type": "integer", "minimum": 1},
            "minItems": 1,
            "maxItems": MOST_AT_ONCE,
            "uniqueItems": True,
        },
        "decision": {"type": "string", "enum": list(SEVERAL)},
        "message": {"type": "string", "maxLength": LONGEST_MESSAGE, "description": "reject: the buyers read it"},
        "batch_id": {"type": "integer", "minimum": 1, "description": "replace: the batch the new codes come from"},
    },
    "message",
    "batch_id",
)
_REFUSAL = record({"field": {"type": "string"}, "message": {"type": "string"}})
_RESULT = {
    "type": "object",
    "required": ["id"],
    "properties": {**_DECIDED["properties"], "error": _REFUSAL},
    "description": "the report decided, or its refusal (error)",
}


REPORT_PATHS = {
    "/api/v1/merchant/reports": {
        "get": guarded(
            "Buyers' reports of codes that do not work, open ones worst first (reports scope)",
            {
                "200": json_body(record({"reports": {"type": "array", "items": _LISTED}}), "the reports"),
                "422": error("a query value is wrong (named)"),
            },
            parameters=[
                {"name": "status", "in": "query", "schema": _STATUS, "description": "open unless told"},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MOST_LISTED}},
            ],
        )
    },
    "/api/v1/merchant/reports/decisions": {
        "post": guarded(
            "Replace or reject several reports at once, each on its own (reports scope)",
            {
                "200": json_body(record({"results": {"type": "array", "items": _RESULT}}), "each report's outcome"),
                "422": error("a field is wrong (named)"),
            },
            requestBody={"required": True, "content": {"application/json": {"schema": _SEVERAL}}},
        )
    },
    "/api/v1/merchant/reports/{report_id}/decision": {
        "post": guarded(
            "Decide a report as an agent: replace from stock, refund, or reject (reports scope)",
            {
                "200": json_body(_DECIDED, "decided; the buyer is told by mail"),
                "404": error("no such report"),
                "409": error("decided already, the order refunded, or no stock to replace from (named)"),
                "422": error("a field is wrong (named)"),
            },
            parameters=[
                {"name": "report_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
            ],
            requestBody={"required": True, "content": {"application/json": {"schema": _DECISION}}},
        )
    },
}
