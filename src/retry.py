"""Retries inside one attempt, for transient calls (tenacity).

A job attempt that meets a short outage — SQLite busy past its timeout, a
storage hiccup, an engine's 429 — retries the call here, with exponential
backoff and jitter, before giving up and failing the attempt (which the queue
then reschedules with its own, longer backoff: see ``ilios.jobs``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import tenacity

from ilios.errors import TransientError

T = TypeVar("T")

CALL_ATTEMPTS = 4
WAIT_INITIAL_S = 0.2
WAIT_MAX_S = 5.0


def transient(fn: Callable[..., T]) -> Callable[..., T]:
    """Retry ``fn`` on ``TransientError``; re-raise the last one when spent."""
    retrying = tenacity.retry(
        retry=tenacity.retry_if_exception_type(TransientError),
        wait=tenacity.wait_exponential_jitter(multiplier=WAIT_INITIAL_S, max=WAIT_MAX_S),
        stop=tenacity.stop_after_attempt(CALL_ATTEMPTS),
        reraise=True,
    )
    return retrying(fn)
