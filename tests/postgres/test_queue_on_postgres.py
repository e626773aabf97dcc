"""The queue under faults (tests/integration/test_faults.py) on PostgreSQL:
kills, restarts, retries, shutdown, group commit — asserted on rows. (The
SQLite lock test stays behind: PostgreSQL has no database-wide write lock.)"""

from test_faults import (  # noqa: F401
    test_a_slow_job_gives_back_the_jobs_claimed_behind_it,
    test_four_workers_drain_500_jobs_exactly_once,
    test_one_worker_runs_max_concurrent_jobs_at_once,
    test_permanent_failures_do_not_retry,
    test_quick_jobs_share_commits,
    test_sigkill_a_worker_mid_job,
    test_sigkill_everything_with_a_batch_in_flight,
    test_sigterm_lets_active_jobs_finish,
    test_sigterm_past_the_grace_period_gives_jobs_back,
    test_spent_attempts_fail_with_the_last_error,
    test_transient_failures_retry_on_the_backoff_schedule,
)
