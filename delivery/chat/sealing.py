"""A channel's URL holds its service's token: sealed with the keyring (AES-GCM, bound to the
channel's row so a sealed URL cannot be moved to another channel), and shown to staff only masked.
seal_text / open_text do the same for any secret bound to a row (a webhook endpoint's URL and secrets)."""

from __future__ import annotations

from keystore.keyring import Keyring, Sealed

SHOWN = 4  # trailing characters staff see, to tell two channels of one service apart


def _binding(channel_id: int) -> str:
    return f"chat_channels:{channel_id}"


def seal_text(keyring: Keyring, binding: str, text: str) -> str:
    """`text` sealed for the row `binding` names, as one string: key id, nonce and ciphertext."""
    sealed = keyring.seal(text, binding.encode())
    return f"{sealed.key_id}:{sealed.nonce.hex()}:{sealed.ciphertext.hex()}"


def open_text(keyring: Keyring, binding: str, stored: str) -> str:
    """Raises KeyringError (a keyring without its key, a tampered or moved text) or ValueError."""
    key_id, nonce, ciphertext = stored.rsplit(":", 2)
    return keyring.open(Sealed(key_id, bytes.fromhex(nonce), bytes.fromhex(ciphertext)), binding.encode())


def seal_url(keyring: Keyring, channel_id: int, url: str) -> str:
    return seal_text(keyring, _binding(channel_id), url)


def open_url(keyring: Keyring, channel_id: int, stored: str) -> str:
    """Raises KeyringError (a keyring without its key, a tampered or moved URL)."""
    return open_text(keyring, _binding(channel_id), stored)


def mask(url: str) -> str:
    """json://…hook: the scheme and the last few characters, never the token."""
    scheme, found, rest = url.partition("://")
    if not found:
        return "…"
    return f"{scheme[:20]}://…{rest[-SHOWN:]}" if len(rest) > 2 * SHOWN else f"{scheme[:20]}://…"
