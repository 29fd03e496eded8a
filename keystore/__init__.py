"""Encrypted codes: keyring and cipher, batch import, blind-index dedupe, atomic claim, stock."""
