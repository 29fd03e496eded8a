"""Human words, in the reader's language, for the states stored as identifiers (an order's
`awaiting_stock`, a mail's `failed`) and for the names of logged events (`shop.order.paid`): the one
table the admin pages show them through, as `state_word(kind, value)` and `event_word(action)`.
A value the table does not know is shown as it is stored, so nothing is hidden."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext

STATES = {  # each word a literal, so that extraction finds it
    "order": {
        "pending": lazy_gettext("waiting for payment"),
        "paid": lazy_gettext("paid"),
        "awaiting_stock": lazy_gettext("paid, waiting for stock"),
        "delivered": lazy_gettext("delivered"),
        "failed": lazy_gettext("payment failed"),
        "review": lazy_gettext("to be reviewed"),
        "refunded": lazy_gettext("refunded"),
    },
    "refund": {
        "requested": lazy_gettext("requested"),
        "pending": lazy_gettext("in progress at the provider"),
        "succeeded": lazy_gettext("paid back"),
        "manual": lazy_gettext("settled by hand"),
        "failed": lazy_gettext("failed"),
    },
    "payment_flag": {
        "": lazy_gettext("to decide"),
        "accepted": lazy_gettext("accepted"),
        "refunded": lazy_gettext("refunded"),
    },
    "report": {
        "open": lazy_gettext("waiting"),
        "replaced": lazy_gettext("replaced"),
        "refunded": lazy_gettext("refunded"),
        "rejected": lazy_gettext("rejected"),
    },
    "report_reason": {
        "already_used": lazy_gettext("Already used"),
        "invalid": lazy_gettext("Invalid or not accepted"),
        "wrong_region": lazy_gettext("Wrong region"),
        "other": lazy_gettext("Something else"),
    },
    "dispute": {
        "open": lazy_gettext("open: evidence not sent"),
        "submitting": lazy_gettext("evidence on its way"),
        "submitted": lazy_gettext("evidence submitted"),
        "failed": lazy_gettext("evidence not accepted"),
        "won": lazy_gettext("won"),
        "lost": lazy_gettext("lost"),
    },
    "mail": {
        "pending": lazy_gettext("waiting"),
        "sending": lazy_gettext("sending"),
        "sent": lazy_gettext("sent"),
        "failed": lazy_gettext("failed"),
    },
    "mail_kind": {
        "delivered": lazy_gettext("codes delivered"),
        "awaiting_stock": lazy_gettext("waiting for stock"),
        "refunded": lazy_gettext("money paid back"),
        "replaced": lazy_gettext("code replaced"),
        "report_rejected": lazy_gettext("report rejected"),
        "lookup": lazy_gettext("order links"),
    },
    "conversation": {
        "open": lazy_gettext("waiting for us"),
        "waiting_buyer": lazy_gettext("waiting for the buyer"),
        "resolved": lazy_gettext("resolved"),
    },
    "conversation_kind": {
        "presale": lazy_gettext("before buying"),
        "problem": lazy_gettext("a problem"),
        "service": lazy_gettext("service"),
    },
    "topic": {
        "question": lazy_gettext("A question before buying"),
        "refund": lazy_gettext("I want a refund"),
        "defective_code": lazy_gettext("A code does not work"),
        "missing_code": lazy_gettext("I did not get my code"),
        "order_status": lazy_gettext("Where is my order?"),
        "change_email": lazy_gettext("Change my email"),
        "invoice": lazy_gettext("I need an invoice"),
    },
    "inbox_view": {
        "waiting_us": lazy_gettext("waiting for us"),
        "mine": lazy_gettext("mine"),
        "unassigned": lazy_gettext("unassigned"),
        "waiting_buyer": lazy_gettext("waiting for the buyer"),
        "overdue": lazy_gettext("overdue"),
        "resolved": lazy_gettext("resolved"),
        "all": lazy_gettext("all"),
    },
    "code": {
        "staged": lazy_gettext("being imported"),
        "available": lazy_gettext("available"),
        "delivered": lazy_gettext("delivered"),
        "reported": lazy_gettext("reported"),
        "invalid": lazy_gettext("invalid"),
        "confirmed_ok": lazy_gettext("confirmed working"),
        "quarantined": lazy_gettext("quarantined"),
        "revoked": lazy_gettext("revoked"),
    },
    "batch": {"importing": lazy_gettext("importing"), "complete": lazy_gettext("complete")},
    "import": {
        "queued": lazy_gettext("queued"),
        "running": lazy_gettext("running"),
        "finished": lazy_gettext("finished"),
        "failed": lazy_gettext("failed"),
    },
    "block": {"email": lazy_gettext("email address"), "network": lazy_gettext("network")},
}

EVENTS = {
    "shop.order.created": lazy_gettext("Order placed"),
    "shop.order.paid": lazy_gettext("Paid"),
    "shop.order.paid_again": lazy_gettext("Paid a second time"),
    "shop.order.failed": lazy_gettext("Payment failed"),
    "shop.order.flagged": lazy_gettext("Flagged for review"),
    "shop.order.payment_flagged": lazy_gettext("Payment flagged for review"),
    "shop.order.accepted": lazy_gettext("Payment accepted by staff"),
    "shop.order.awaiting_stock": lazy_gettext("Waiting for stock"),
    "shop.order.backorder_expired": lazy_gettext("Waited too long for stock"),
    "shop.order.delivered": lazy_gettext("Delivered"),
    "shop.order.disputed": lazy_gettext("Disputed at the provider"),
    "shop.order.dispute_closed": lazy_gettext("Dispute decided at the provider"),
    "shop.dispute.evidence_requested": lazy_gettext("Dispute evidence asked to be sent"),
    "shop.dispute.evidence_submitted": lazy_gettext("Dispute evidence submitted"),
    "shop.dispute.evidence_failed": lazy_gettext("Dispute evidence not accepted"),
    "shop.order.method_changed": lazy_gettext("Payment method changed"),
    "shop.order.code_reported": lazy_gettext("Code reported as not working"),
    "shop.order.codes_revealed": lazy_gettext("Codes shown to the buyer"),
    "shop.order.codes_returned": lazy_gettext("Codes never shown returned to stock"),
    "shop.order.code_replaced": lazy_gettext("Code replaced"),
    "shop.order.report_held": lazy_gettext("Report held for staff"),
    "shop.order.report_rejected": lazy_gettext("Report rejected"),
    "shop.order.refund_requested": lazy_gettext("Refund requested"),
    "shop.order.refund_resent": lazy_gettext("Refund sent again"),
    "shop.order.refund_retried": lazy_gettext("Refund retried"),
    "shop.order.refund_succeeded": lazy_gettext("Refund paid back"),
    "shop.order.refund_pending": lazy_gettext("Refund in progress at the provider"),
    "shop.order.refund_manual": lazy_gettext("Refund settled by hand"),
    "shop.order.refund_failed": lazy_gettext("Refund failed"),
    "shop.order.refunded_at_provider": lazy_gettext("Refunded at the provider"),
    "shop.orders.exported": lazy_gettext("Orders exported"),
    "shop.product.created": lazy_gettext("Product created"),
    "shop.product.updated": lazy_gettext("Product changed"),
    "shop.product.hidden": lazy_gettext("Product hidden"),
    "shop.product.shown": lazy_gettext("Product shown"),
    "shop.product.archived": lazy_gettext("Product archived"),
    "shop.product.restored": lazy_gettext("Product restored"),
    "shop.product.daily_limit": lazy_gettext("Purchase limit changed"),
    "shop.product.instructions": lazy_gettext("Redeem instructions changed"),
    "shop.product.report_policy": lazy_gettext("Report policy changed"),
    "shop.settings.changed": lazy_gettext("Shop settings changed"),
    "shop.logo.changed": lazy_gettext("Logo changed"),
    "shop.logo.removed": lazy_gettext("Logo removed"),
    "shop.notifications.changed": lazy_gettext("Notifications changed"),
    "shop.chat_channel.added": lazy_gettext("Chat channel added"),
    "shop.chat_channel.changed": lazy_gettext("Chat channel changed"),
    "shop.chat_channel.enabled": lazy_gettext("Chat channel enabled"),
    "shop.chat_channel.disabled": lazy_gettext("Chat channel disabled"),
    "shop.chat_channel.deleted": lazy_gettext("Chat channel deleted"),
    "shop.block.added": lazy_gettext("Buyer blocked"),
    "shop.block.removed": lazy_gettext("Buyer unblocked"),
    "shop.staff.created": lazy_gettext("Staff account created"),
    "shop.staff.invited": lazy_gettext("Staff member invited"),
    "shop.staff.joined": lazy_gettext("Staff member joined"),
    "shop.staff.role_changed": lazy_gettext("Role changed"),
    "shop.staff.deactivated": lazy_gettext("Staff member deactivated"),
    "shop.staff.reactivated": lazy_gettext("Staff member reactivated"),
    "shop.staff.password_set": lazy_gettext("Password set"),
    "shop.staff.password_changed": lazy_gettext("Password changed"),
    "shop.staff.password_reset": lazy_gettext("Password reset"),
    "shop.staff.signed_in": lazy_gettext("Signed in"),
    "shop.staff.sign_in_failed": lazy_gettext("Sign-in failed"),
    "shop.staff.signed_out": lazy_gettext("Signed out"),
    "shop.staff.signed_out_everywhere": lazy_gettext("Signed out everywhere"),
    "shop.staff.two_factor_enabled": lazy_gettext("Two-factor turned on"),
    "shop.staff.two_factor_disabled": lazy_gettext("Two-factor turned off"),
    "shop.staff.two_factor_reset": lazy_gettext("Two-factor reset"),
    "app.audit.exported": lazy_gettext("Audit log exported"),
    "keystore.code.revealed": lazy_gettext("Code revealed"),
    "keystore.code.quarantined": lazy_gettext("Code quarantined"),
    "keystore.code.revoked": lazy_gettext("Code revoked"),
    "keystore.code.available": lazy_gettext("Code released"),
    "keystore.batch.imported": lazy_gettext("Batch imported"),
    "keystore.batch.exported": lazy_gettext("Batch exported"),
    "keystore.batch.quarantined": lazy_gettext("Batch quarantined"),
    "keystore.batch.revoked": lazy_gettext("Batch revoked"),
    "keystore.batch.available": lazy_gettext("Batch released"),
    "keystore.batch.complaint_threshold": lazy_gettext("Complaint threshold changed"),
    "keystore.import.queued": lazy_gettext("Import queued"),
    "keystore.keys.rotated": lazy_gettext("Keys rotated"),
    "keystore.keys.retired": lazy_gettext("Old key retired"),
    "payments.manual.confirmed": lazy_gettext("Bank payment confirmed"),
    "payments.refund.requested": lazy_gettext("Refund requested"),
    "payments.refund.resent": lazy_gettext("Refund sent again"),
    "payments.refund.retried": lazy_gettext("Refund retried"),
    "payments.refund.settled_manually": lazy_gettext("Refund settled by hand"),
    "payments.review.accepted": lazy_gettext("Flagged payment accepted"),
    "payments.review.refunded": lazy_gettext("Flagged payment refunded"),
    "feedback.report.replaced": lazy_gettext("Reported code replaced"),
    "feedback.report.refunded": lazy_gettext("Reported code refunded"),
    "feedback.report.rejected": lazy_gettext("Report rejected"),
    "feedback.review.replied": lazy_gettext("Review answered"),
    "feedback.review.hidden": lazy_gettext("Review hidden"),
    "feedback.review.shown": lazy_gettext("Review shown again"),
    "feedback.review.appealed": lazy_gettext("Review hiding appealed"),
    "feedback.review.appeal_restored": lazy_gettext("Appeal granted: review shown again"),
    "feedback.review.appeal_kept_hidden": lazy_gettext("Appeal refused: review stays hidden"),
    "help.article.saved": lazy_gettext("Help article saved"),
    "help.category.saved": lazy_gettext("Help category saved"),
    "support.conversation.assigned": lazy_gettext("Conversation assigned"),
    "support.conversation.noted": lazy_gettext("Internal note added"),
    "support.conversation.replied": lazy_gettext("Reply sent"),
    "support.conversation.resolved": lazy_gettext("Conversation resolved"),
    "support.conversation.reopened": lazy_gettext("Conversation reopened"),
    "support.template.saved": lazy_gettext("Reply template saved"),
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
