"""Every mail the code owes is one the drain can compose: the first part of each key written with
owe() in our packages names a registered composer, once create_app has imported MAIL_MODULES."""

from __future__ import annotations

import ast
from pathlib import Path

from delivery.mail.composers import composed_prefixes

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "delivery", "feedback", "keystore", "payments")


def _owed_prefixes() -> dict[str, str]:
    """prefix -> where, for each owe(session, f"prefix:...") and owe_order_mail call."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "owe_order_mail":
                    found["order"] = str(path.relative_to(ROOT))
                elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "owe" and len(node.args) > 1:
                    key = node.args[1]
                    first = key.values[0] if isinstance(key, ast.JoinedStr) else key
                    if isinstance(first, ast.Constant):
                        found[first.value.split(":")[0]] = str(path.relative_to(ROOT))
    return found


def test_every_mail_owed_in_the_code_has_a_composer(app):
    owed = _owed_prefixes()
    assert {"order", "low-stock", "lookup", "ledger", "batch-hold", "conversation", "notice"} <= set(owed)
    missing = {prefix: where for prefix, where in owed.items() if prefix not in composed_prefixes()}
    assert missing == {}
