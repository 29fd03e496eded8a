"""A channel's URL holds its service's token: sealed with the keyring (AES-GCM, bound to the
channel's row so a sealed URL cannot be moved to another channel), and shown to staff only masked."""

from __future__ import annotations

from keystore.keyring import Keyring
from keystore.sealing import open_text, seal_text

SHOWN = 4  # trailing characters staff see, to tell two channels of one service apart


def _binding(channel_id: int) -> bytes:
    return f"chat_channels:{channel_id}".encode()


def seal_url(keyring: Keyring, channel_id: int, url: str) -> str:
    return seal_text(keyring, _binding(channel_id), url)


def open_url(keyring: Keyring, channel_id: int, stored: str) -> str:
    """Raises KeyringError (a keyring without its key, a tampered or moved URL)."""
    return open_text(keyring, _binding(channel_id), stored)


def key_id_of(stored: str) -> str:
    """The id of the key a stored URL is sealed under (for rotation)."""
    return stored.split(":", 1)[0]


def mask(url: str) -> str:
    """json://…hook: the scheme and the last few characters, never the token."""
    scheme, found, rest = url.partition("://")
    if not found:
        return "…"
    return f"{scheme[:20]}://…{rest[-SHOWN:]}" if len(rest) > 2 * SHOWN else f"{scheme[:20]}://…"
