"""Secrets the service must keep readable (webhook signing secrets) are stored encrypted, with keys from the
environment, never in the database.

Fernet (AES-128-CBC with an HMAC-SHA256, from the `cryptography` package) under `SECRETS_ENCRYPTION_KEYS`: a
comma-separated list of Fernet keys, the first of which encrypts and any of which decrypts (`MultiFernet`), so a key
is rotated by putting a new one first, running `manage.py rotate_secrets` (every secret re-encrypted under the new
key) and then removing the old one. A database copied without the environment gives up nothing but ciphertext.

A secret that none of the keys opens is not guessed at: `decrypt` raises `SecretUnreadable`, whose message says
what to do, and nothing is signed with the wrong thing.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

HOW_TO_MAKE_A_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


class SecretUnreadable(Exception):
    """A stored secret that none of SECRETS_ENCRYPTION_KEYS decrypts (a key removed too soon, or the wrong keys)."""


def key_problem(key: str) -> str | None:
    """Why `key` is not a Fernet key (32 bytes, URL-safe base64), or None."""
    try:
        Fernet(key)
    except (ValueError, TypeError):
        return f"is not a Fernet key (32 bytes in URL-safe base64, 44 characters); make one with {HOW_TO_MAKE_A_KEY}"
    return None


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.SECRETS_ENCRYPTION_KEYS))


def encrypt(secret: str) -> str:
    """The secret encrypted under the first key (a different token each time: Fernet adds a random IV and a time)."""
    return _current().encrypt(secret.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise SecretUnreadable(
            "A stored secret cannot be decrypted with any of SECRETS_ENCRYPTION_KEYS: put back the key it was "
            "encrypted with (after the new one), or set a new secret for it."
        ) from exc


def rotated(token: str) -> str:
    """The token re-encrypted under the first key (unchanged in meaning); SecretUnreadable if no key opens it."""
    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as exc:
        raise SecretUnreadable("no key in SECRETS_ENCRYPTION_KEYS decrypts it") from exc


def under_first_key(token: str) -> bool:
    """Whether the token is already encrypted under the first key (so rotating it would change nothing needed)."""
    try:
        Fernet(settings.SECRETS_ENCRYPTION_KEYS[0]).decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True
