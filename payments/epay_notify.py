"""Reading an Epay notify: its parameters come as a query string (GET), a urlencoded body, or a
multipart/form-data body (several gateway builds post that), and its money as yuan text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

from app.core.money import to_minor

# Yuan with any number of decimals up to a sane few: some gateways print "10.000" for 10.00.
MONEY = re.compile(r"\d{1,9}(\.\d{1,8})?")
MAX_FIELD = 2000  # no parameter of the protocol is longer; a body of huge parts is not a notify


def notify_parameters(headers: Mapping[str, str], body: bytes, query: Mapping[str, str]) -> dict[str, str]:
    """The parameters wherever the gateway put them: the query first, as the protocol does."""
    if query:
        return dict(query)
    content_type = headers.get("Content-Type", "")
    if content_type.lower().startswith("multipart/form-data"):
        return _multipart(content_type, body)
    return dict(parse_qsl(body.decode("utf-8", "replace")))


def _multipart(content_type: str, body: bytes) -> dict[str, str]:
    """The form's text fields (a file part is no parameter of the protocol and is skipped)."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        return {}
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str) and part.get_filename() is None:
            fields[name] = _text(part)
    return fields


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", "replace")[:MAX_FIELD] if isinstance(payload, bytes) else ""


def yuan_to_fen(money: str) -> int:
    """ "10.000" is 1000 fen; "10.001" is no amount the gateway can have been paid."""
    if not MONEY.fullmatch(money):
        raise ValueError(f"money {money[:40]!r} is not an amount in yuan")
    if Decimal(money).scaleb(2) % 1:
        raise ValueError(f"money {money!r} has a fraction of a fen")
    return to_minor(money, "CNY")
