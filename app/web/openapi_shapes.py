"""The pieces every part of the OpenAPI description is built of: an error body, a JSON response,
and the answers of a token-guarded operation to a missing token or scope."""

from __future__ import annotations

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}


CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$"}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}  # codes by state


def record(properties: dict, *optional: str) -> dict:
    """An object with these properties, all required but the `optional` ones."""
    required = [name for name in properties if name not in optional]
    return {"type": "object", "required": required, "properties": properties}


def json_body(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error(description: str) -> dict:
    return json_body(ERROR, description)


def path_text(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


TOKEN_AUTH = [{"token": []}]
REFUSED = {"401": error("no valid API token"), "403": error("the token lacks the scope")}


def guarded(summary: str, responses: dict, **more) -> dict:
    """An operation behind an API token's scope: answers 401 and 403 besides its own."""
    return {"summary": summary, "security": TOKEN_AUTH, "responses": {**responses, **REFUSED}, **more}
