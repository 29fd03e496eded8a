"""Staff events told in chat apps through Apprise URLs: the channels staff set up (channels.py),
the outbox each event is owed to in the event's own transaction (outbox.py), and the job that sends
a channel's owed events as one message per window (send.py, words.py, pace.py)."""
