"""Webhooks to the merchant (the Standard Webhooks specification): the endpoints owners set up
(endpoints.py, secrets.py), the job that sends each endpoint's owed messages in order with retries
(outbox.py, send.py, pace.py), and the delivery log staff read and replay from (history.py). The
messages are owed where the events happen, through app.core.webhook_outbox."""
