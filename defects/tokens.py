"""The secrets in the links that reporters and supporters get by e-mail.

Only a SHA-256 of each secret is stored, so a copy of the database alone opens no link. The secret itself is
an HMAC of the record's id and creation time under ``SECRET_KEY`` (like Django's password-reset tokens):
the task that sends an e-mail can rebuild it from ids alone, so no secret ever sits in the job queue, and
every later e-mail (status changes) can carry the reporter's manage link and the unsubscribe link again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from base64 import urlsafe_b64encode
from datetime import datetime

from django.conf import settings
from django.utils.crypto import salted_hmac

REPORT_PURPOSE = "defects.report"
SUBSCRIPTION_PURPOSE = "defects.subscription"

# Links carry 43 characters; anything much longer is not one of ours and is not even hashed.
_MAX_TOKEN_LENGTH = 200


def new_secret() -> str:
    """Return a fresh random secret (for placeholders that no link ever carries)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Return the hex SHA-256 of a token, as stored in the database."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(*, token: object, stored_hash: str) -> bool:
    """Return whether ``token`` is the secret behind ``stored_hash``, comparing in constant time."""
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_LENGTH or not stored_hash:
        return False
    return hmac.compare_digest(token_hash(token), stored_hash)


def _salt(created_at: datetime) -> str:
    # Microseconds since the epoch: the same number whether the datetime came from memory or the database.
    return str(round(created_at.timestamp() * 1_000_000))


def derive_token(*, purpose: str, object_id: int, created_at: datetime, secret: str | None = None) -> str:
    """Return the link secret of a record: an HMAC-SHA256 that only the holder of ``SECRET_KEY`` can make."""
    digest = salted_hmac(
        purpose,
        f"{object_id}:{_salt(created_at)}",
        secret=secret or settings.SECRET_KEY,
        algorithm="sha256",
    ).digest()
    return urlsafe_b64encode(digest).rstrip(b"=").decode()


def current_token(*, purpose: str, object_id: int, created_at: datetime, stored_hash: str) -> str | None:
    """Return the link secret matching ``stored_hash`` under the current or a fallback ``SECRET_KEY``.

    None if no key makes it (the secret key was rotated without keeping the old one as a fallback).
    """
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        token = derive_token(purpose=purpose, object_id=object_id, created_at=created_at, secret=secret)
        if token_matches(token=token, stored_hash=stored_hash):
            return token
    return None
