"""Human words, in the reader's language, for the states stored as identifiers (an order's
`awaiting_stock`, a mail's `failed`) and for the names of logged events (`shop.order.paid`): the one
table the admin pages show them through, as `state_word(kind, value)` and `event_word(action)`.
A value the table does not know is shown as it is stored, so nothing is hidden."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

STATES = {  # each word a literal, so that extraction finds it
    "order": {
        "pending": _l("waiting for payment"),
        "paid": _l("paid"),
        "awaiting_stock": _l("paid, waiting for stock"),
        "delivered": _l("delivered"),
        "failed": _l("payment failed"),
        "review": _l("to be reviewed"),
        "refunded": _l("refunded"),
    },
    "refund": {
        "requested": _l("requested"),
        "pending": _l("in progress at the provider"),
        "succeeded": _l("paid back"),
        "manual": _l("settled by hand"),
        "failed": _l("failed"),
    },
    "payment_flag": {"": _l("to decide"), "accepted": _l("accepted"), "refunded": _l("refunded")},
    "report": {
        "open": _l("waiting"),
        "replaced": _l("replaced"),
        "refunded": _l("refunded"),
        "rejected": _l("rejected"),
    },
    "report_reason": {
        "already_used": _l("Already used"),
        "invalid": _l("Invalid or not accepted"),
        "wrong_region": _l("Wrong region"),
        "other": _l("Something else"),
    },
    "mail": {"pending": _l("waiting"), "sending": _l("sending"), "sent": _l("sent"), "failed": _l("failed")},
    "mail_kind": {
        "delivered": _l("codes delivered"),
        "awaiting_stock": _l("waiting for stock"),
        "refunded": _l("money paid back"),
        "replaced": _l("code replaced"),
        "report_rejected": _l("report rejected"),
        "lookup": _l("order links"),
    },
    "conversation": {
        "open": _l("waiting for us"),
        "waiting_buyer": _l("waiting for the buyer"),
        "resolved": _l("resolved"),
    },
    "conversation_kind": {"presale": _l("before buying"), "problem": _l("a problem"), "service": _l("service")},
    "topic": {
        "question": _l("A question before buying"),
        "refund": _l("I want a refund"),
        "defective_code": _l("A code does not work"),
        "missing_code": _l("I did not get my code"),
        "order_status": _l("Where is my order?"),
        "change_email": _l("Change my email"),
        "invoice": _l("I need an invoice"),
    },
    "inbox_view": {
        "waiting_us": _l("waiting for us"),
        "mine": _l("mine"),
        "unassigned": _l("unassigned"),
        "waiting_buyer": _l("waiting for the buyer"),
        "overdue": _l("overdue"),
        "resolved": _l("resolved"),
        "all": _l("all"),
    },
    "code": {
        "staged": _l("being imported"),
        "available": _l("available"),
        "delivered": _l("delivered"),
        "reported": _l("reported"),
        "invalid": _l("invalid"),
        "confirmed_ok": _l("confirmed working"),
        "quarantined": _l("quarantined"),
        "revoked": _l("revoked"),
    },
    "batch": {"importing": _l("importing"), "complete": _l("complete")},
    "import": {"queued": _l("queued"), "running": _l("running"), "finished": _l("finished"), "failed": _l("failed")},
    "block": {"email": _l("email address"), "network": _l("network")},
}

EVENTS = {
    "shop.order.created": _l("Order placed"),
    "shop.order.paid": _l("Paid"),
    "shop.order.paid_again": _l("Paid a second time"),
    "shop.order.failed": _l("Payment failed"),
    "shop.order.flagged": _l("Flagged for review"),
    "shop.order.payment_flagged": _l("Payment flagged for review"),
    "shop.order.accepted": _l("Payment accepted by staff"),
    "shop.order.awaiting_stock": _l("Waiting for stock"),
    "shop.order.backorder_expired": _l("Waited too long for stock"),
    "shop.order.delivered": _l("Delivered"),
    "shop.order.disputed": _l("Disputed at the provider"),
    "shop.order.method_changed": _l("Payment method changed"),
    "shop.order.code_reported": _l("Code reported as not working"),
    "shop.order.code_replaced": _l("Code replaced"),
    "shop.order.report_held": _l("Report held for staff"),
    "shop.order.report_rejected": _l("Report rejected"),
    "shop.order.refund_requested": _l("Refund requested"),
    "shop.order.refund_resent": _l("Refund sent again"),
    "shop.order.refund_retried": _l("Refund retried"),
    "shop.order.refund_succeeded": _l("Refund paid back"),
    "shop.order.refund_pending": _l("Refund in progress at the provider"),
    "shop.order.refund_manual": _l("Refund settled by hand"),
    "shop.order.refund_failed": _l("Refund failed"),
    "shop.order.refunded_at_provider": _l("Refunded at the provider"),
    "shop.orders.exported": _l("Orders exported"),
    "shop.product.created": _l("Product created"),
    "shop.product.updated": _l("Product changed"),
    "shop.product.hidden": _l("Product hidden"),
    "shop.product.shown": _l("Product shown"),
    "shop.product.archived": _l("Product archived"),
    "shop.product.restored": _l("Product restored"),
    "shop.product.daily_limit": _l("Purchase limit changed"),
    "shop.product.instructions": _l("Redeem instructions changed"),
    "shop.product.report_policy": _l("Report policy changed"),
    "shop.settings.changed": _l("Shop settings changed"),
    "shop.logo.changed": _l("Logo changed"),
    "shop.logo.removed": _l("Logo removed"),
    "shop.notifications.changed": _l("Notifications changed"),
    "shop.block.added": _l("Buyer blocked"),
    "shop.block.removed": _l("Buyer unblocked"),
    "shop.staff.created": _l("Staff account created"),
    "shop.staff.invited": _l("Staff member invited"),
    "shop.staff.joined": _l("Staff member joined"),
    "shop.staff.role_changed": _l("Role changed"),
    "shop.staff.deactivated": _l("Staff member deactivated"),
    "shop.staff.reactivated": _l("Staff member reactivated"),
    "shop.staff.password_set": _l("Password set"),
    "shop.staff.password_changed": _l("Password changed"),
    "shop.staff.password_reset": _l("Password reset"),
    "shop.staff.signed_in": _l("Signed in"),
    "shop.staff.sign_in_failed": _l("Sign-in failed"),
    "shop.staff.signed_out": _l("Signed out"),
    "shop.staff.signed_out_everywhere": _l("Signed out everywhere"),
    "shop.staff.two_factor_enabled": _l("Two-factor turned on"),
    "shop.staff.two_factor_disabled": _l("Two-factor turned off"),
    "shop.staff.two_factor_reset": _l("Two-factor reset"),
    "app.audit.exported": _l("Audit log exported"),
    "keystore.code.revealed": _l("Code revealed"),
    "keystore.code.quarantined": _l("Code quarantined"),
    "keystore.code.revoked": _l("Code revoked"),
    "keystore.code.available": _l("Code released"),
    "keystore.batch.imported": _l("Batch imported"),
    "keystore.batch.exported": _l("Batch exported"),
    "keystore.batch.quarantined": _l("Batch quarantined"),
    "keystore.batch.revoked": _l("Batch revoked"),
    "keystore.batch.available": _l("Batch released"),
    "keystore.batch.complaint_threshold": _l("Complaint threshold changed"),
    "keystore.import.queued": _l("Import queued"),
    "keystore.keys.rotated": _l("Keys rotated"),
    "keystore.keys.retired": _l("Old key retired"),
    "payments.manual.confirmed": _l("Bank payment confirmed"),
    "payments.refund.requested": _l("Refund requested"),
    "payments.refund.resent": _l("Refund sent again"),
    "payments.refund.retried": _l("Refund retried"),
    "payments.refund.settled_manually": _l("Refund settled by hand"),
    "payments.review.accepted": _l("Flagged payment accepted"),
    "payments.review.refunded": _l("Flagged payment refunded"),
    "feedback.report.replaced": _l("Reported code replaced"),
    "feedback.report.refunded": _l("Reported code refunded"),
    "feedback.report.rejected": _l("Report rejected"),
    "feedback.review.replied": _l("Review answered"),
    "feedback.review.hidden": _l("Review hidden"),
    "feedback.review.shown": _l("Review shown again"),
    "help.article.saved": _l("Help article saved"),
    "help.category.saved": _l("Help category saved"),
    "support.conversation.assigned": _l("Conversation assigned"),
    "support.conversation.noted": _l("Internal note added"),
    "support.conversation.replied": _l("Reply sent"),
    "support.conversation.resolved": _l("Conversation resolved"),
    "support.conversation.reopened": _l("Conversation reopened"),
    "support.template.saved": _l("Reply template saved"),
}


def state_word(kind: str, value: str | None) -> str:
    """`value` of a state of `kind` in the reader's words; unknown values as they are stored."""
    if kind == "mail_kind":  # "refunded:12": one mail of a kind per refund
        value = (value or "").split(":", 1)[0]
    word = STATES[kind].get(value or "")
    return str(word) if word is not None else (value or "")


def event_word(action: str) -> str:
    """A logged event's name in the reader's words; one the table does not know, as it is stored."""
    word = EVENTS.get(action)
    return str(word) if word is not None else action


def init_state_words(app: Flask) -> None:
    app.jinja_env.globals.update(state_word=state_word, event_word=event_word)
