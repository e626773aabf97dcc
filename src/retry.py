"""Retries inside one attempt, for transient calls (tenacity).

A job attempt that meets a short outage — SQLite busy past its timeout, a
storage hiccup, an engine's 429 — retries the call here, with exponential
backoff and jitter, before giving up and failing the attempt (which the queue
then reschedules with its own, longer backoff: see ``ilios.store.jobs``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

import tenacity

from ilios.errors import TransientError

T = TypeVar("T")

CALL_ATTEMPTS = 4
WAIT_INITIAL_S = 0.2
WAIT_MAX_S = 5.0


def transient(fn: Callable[..., T]) -> Callable[..., T]:
    """Retry ``fn`` on ``TransientError``, ``CALL_ATTEMPTS`` calls in all, waiting
    0.2 s, 0.4 s, 0.8 s (each plus up to 1 s of jitter) between them; re-raise
    the last error when spent.

    The first call runs bare, and tenacity is set up only once a call failed:
    its set-up costs tens of microseconds, and a worker makes a few of these
    calls per job, which almost never fail.
    """
    retrying: Callable[..., T] | None = None

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> T:
        nonlocal retrying
        try:
            return fn(*args, **kwargs)
        except TransientError:
            if retrying is None:
                retrying = _retrying(fn)
            return retrying(*args, **kwargs)

    return call


def _retrying(fn: Callable[..., T]) -> Callable[..., T]:
    """``fn`` under tenacity, for the calls after a failed first one."""
    first_wait = _wait()

    def pause(state: tenacity.RetryCallState) -> None:
        if state.attempt_number == 1:  # tenacity's first call is our second
            time.sleep(first_wait(state))

    return tenacity.retry(
        retry=tenacity.retry_if_exception_type(TransientError),
        wait=_wait(shift=1),
        stop=tenacity.stop_after_attempt(CALL_ATTEMPTS - 1),
        before=pause,
        reraise=True,
    )(fn)


def _wait(shift: int = 0) -> tenacity.wait_exponential_jitter:
    """The backoff after call n (+ ``shift``): 0.2 s x 2^(n-1), plus up to 1 s."""
    return tenacity.wait_exponential_jitter(multiplier=WAIT_INITIAL_S * 2**shift, max=WAIT_MAX_S)
