"""The help center: staff's articles per language, their search, what readers make of them, and
the proactive notes the support widget shows."""
