"""API keys as the server and the gateway both read them.

A key travels as ``authorization: Bearer KEY`` (gRPC metadata or an HTTP
header); usage records name it by a short fingerprint, never by the key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from ilios.errors import ApiKeyInvalid, ApiKeyMissing

# A key longer than this is refused without comparing it (keys are short secrets).
MAX_KEY_CHARS = 256


def key_id(api_key: str) -> str:
    """A short, non-secret fingerprint of an API key (for usage records)."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:12] if api_key else ""


def bearer(value: str) -> str:
    """The key of an ``Authorization: Bearer KEY`` value (``""`` if it is not one)."""
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def check_key(expected: Sequence[str], presented: str) -> None:
    """Raise unless ``presented`` is one of the configured keys (no-op when none is)."""
    if not expected:
        return
    if not presented:
        raise ApiKeyMissing
    if len(presented) > MAX_KEY_CHARS:
        raise ApiKeyInvalid
    # Every key is compared (in constant time each), so timing tells nothing of which.
    matches = [hmac.compare_digest(presented.encode(), key.encode()) for key in expected]
    if not any(matches):
        raise ApiKeyInvalid
