"""What the shop tells its staff, and whom: the events (events.py), who subscribes to which
(subscriptions.py), and the one way to tell them (tell.py)."""
