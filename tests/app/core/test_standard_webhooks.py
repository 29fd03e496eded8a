"""keyshop's signer checked by the Standard Webhooks reference library, and its own verifier."""

import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.core.standard_webhooks import SignatureError, headers, new_secret, verify

BODY = b'{"type":"order.paid","data":{"number":"K-1"}}'


def test_the_reference_library_verifies_what_keyshop_signs():
    secret = new_secret()
    assert Webhook(secret).verify(BODY, headers([secret], "msg_1", BODY)) is not None


def test_during_a_rotation_both_secrets_verify():
    old, new = new_secret(), new_secret()
    sent = headers([new, old], "msg_2", BODY)
    for secret in (old, new):
        Webhook(secret).verify(BODY, sent)
        verify(secret, sent, BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, sent)


def test_a_changed_body_or_an_old_timestamp_is_refused():
    secret = new_secret()
    with pytest.raises(SignatureError, match="no signature"):
        verify(secret, headers([secret], "msg_3", BODY), BODY + b" ")
    stale = headers([secret], "msg_3", BODY, timestamp=int(time.time()) - 3600)
    with pytest.raises(SignatureError, match="too far"):
        verify(secret, stale, BODY)
    with pytest.raises(SignatureError, match="missing"):
        verify(secret, {"webhook-signature": "v1,x"}, BODY)


def test_keyshop_verifies_what_the_reference_library_signs():
    secret, at = new_secret(), int(time.time())
    sent = Webhook(secret).sign("msg_4", datetime.fromtimestamp(at, tz=UTC), BODY.decode())
    verify(secret, {"webhook-id": "msg_4", "webhook-timestamp": str(at), "webhook-signature": sent}, BODY)
