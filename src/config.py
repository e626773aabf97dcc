"""Configuration from the environment (and a ``.env`` file, if present).

Every setting has a default that works on a fresh machine: the local engine,
SQLite and blobs under ``./data``. Names follow the original Ilios API where it
had one (``PORT``, ``LOCAL_DB_PATH``, ``API_KEY``, ``S3_BUCKET`` ...).
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
from collections.abc import Mapping

from ilios import billing
from ilios.database import Database
from ilios.errors import ConfigError

GIB = 1024**3
MIN_MESSAGE_SIZE = 4 * 2**20  # Upload chunks (2 MiB from the client) must fit
# "scripted" follows a script inside each document: for tests and benchmarks only.
ENGINES = ("local", "mistral", "scripted")


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """All settings, resolved. Sizes are bytes, durations seconds."""

    host: str = "127.0.0.1"
    port: int = 1337
    grpc_port: int = 50051
    grpc_target: str = ""
    data_dir: pathlib.Path = pathlib.Path("data")
    db_path: pathlib.Path = pathlib.Path("data/ilios.db")
    db_synchronous: str = "full"
    # How long a writer waits for another's lock before DATABASE_BUSY (then the
    # call is retried, see ilios.retry).
    db_busy_timeout_ms: int = 10_000
    blob_dir: pathlib.Path = pathlib.Path("data/blobs")
    tmp_dir: pathlib.Path = pathlib.Path("data/tmp")
    run_dir: pathlib.Path = pathlib.Path("data/run")
    api_key: str = ""
    worker_count: int = 1
    max_concurrent_jobs: int = 1
    max_attempts: int = 3
    max_file_size: int = GIB
    # Files sent inline up to this size are kept in the database (0: never).
    inline_max_bytes: int = 256 * 1024
    max_pages: int = 2000
    default_retention_days: int = 365
    ocr_engine: str = "local"
    heartbeat_s: float = 5.0
    worker_dead_after_s: float = 30.0
    shutdown_grace_s: float = 30.0
    retry_backoff_s: float = 5.0
    # A request that sends nothing for this long is dropped: a REST body (less
    # than MIN_BODY_PROGRESS_BYTES in that time) or a gRPC request message.
    upload_idle_s: float = 60.0
    # A REST request's header section must arrive whole within this time, and
    # may hold at most max_header_bytes in max_header_count fields.
    header_timeout_s: float = 10.0
    max_header_bytes: int = 64 * 1024
    max_header_count: int = 100
    # The largest gRPC request message (a file sent inline, plus its fields);
    # larger files go through Upload.
    max_message_size: int = 8 * 2**20
    # Files in one batch request (REST form or BatchSubmit).
    max_batch_files: int = 1000
    # A stored original or upload that no row names is removed once this old:
    # a crash left it between storing the file and committing its row.
    orphan_max_age_s: float = 86_400.0
    gateway_workers: int = 1
    prices: billing.PriceList = dataclasses.field(
        default_factory=lambda: billing.price_list({}), hash=False, compare=False
    )
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    s3_prefix: str = ""
    s3_multipart_threshold: int = 50 * 2**20
    s3_max_attempts: int = 5
    mistral_api_key: str = dataclasses.field(default="", repr=False)
    mistral_server_url: str = ""
    mistral_timeout_s: float = 120.0  # per Mistral HTTP call

    @property
    def grpc_address(self) -> str:
        """Where clients (and the gateway) reach the gRPC server."""
        return self.grpc_target or f"127.0.0.1:{self.grpc_port}"

    def database(self) -> Database:
        """A handle on the configured database (each thread opens its own connection)."""
        return Database(self.db_path, self.db_synchronous, self.db_busy_timeout_ms)


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, not {value}.")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}.") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {value}.")
    return value


def _prices(env: Mapping[str, str]) -> billing.PriceList:
    try:
        return billing.price_list(env)
    except billing.PriceError as exc:
        raise ConfigError(f"MISTRAL_COST_PER_PAGE / MARGIN_RATE: {exc}.") from None


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (case-insensitive); the first is the default."""
    value = (env.get(name) or choices[0]).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def _size(env: Mapping[str, str], name: str, default: int) -> int:
    """Parse a byte size: ``1048576``, ``50MB``, ``1GiB`` (MB = MiB here)."""
    raw = env.get(name, "").strip().upper().replace(" ", "")
    if not raw:
        return default
    units = {
        "GIB": GIB,
        "GB": GIB,
        "G": GIB,
        "MIB": 2**20,
        "MB": 2**20,
        "M": 2**20,
        "KIB": 1024,
        "KB": 1024,
        "K": 1024,
        "B": 1,
    }
    for suffix, factor in units.items():
        if raw.endswith(suffix) and raw[: -len(suffix)].isdigit():
            return int(raw[: -len(suffix)]) * factor
    if raw.isdigit():
        return int(raw)
    raise ConfigError(f"{name} must be a size such as 52428800, 50MB or 1GiB, not {raw!r}.")


def load(env: Mapping[str, str] | None = None, dotenv: bool = True) -> Settings:
    """Resolve settings from ``env`` (default: ``os.environ`` plus ``./.env``).

    Values already in the environment win over the ``.env`` file.
    """
    if env is None:
        if dotenv:
            from dotenv import load_dotenv

            load_dotenv(pathlib.Path.cwd() / ".env", override=False)
        env = os.environ
    data_dir = pathlib.Path(env.get("DATA_DIR") or "data")
    engine = (env.get("OCR_ENGINE") or "").strip().lower()
    if not engine:
        engine = "mistral" if env.get("MISTRAL_API_KEY") else "local"
    if engine not in ENGINES:
        raise ConfigError(f"OCR_ENGINE must be 'local' or 'mistral', not {engine!r}.")
    cores = os.cpu_count() or 1
    settings = Settings(
        host=env.get("HOST") or "127.0.0.1",
        port=_int(env, "PORT", 1337, 0, 65535),
        grpc_port=_int(env, "GRPC_PORT", 50051, 0, 65535),
        grpc_target=env.get("GRPC_TARGET", ""),
        data_dir=data_dir,
        db_path=pathlib.Path(env.get("LOCAL_DB_PATH") or data_dir / "ilios.db"),
        db_synchronous=_choice(env, "DB_SYNCHRONOUS", ("full", "normal")),
        db_busy_timeout_ms=_int(env, "DB_BUSY_TIMEOUT_MS", 10_000, 1, 600_000),
        blob_dir=pathlib.Path(env.get("BLOB_DIR") or data_dir / "blobs"),
        tmp_dir=pathlib.Path(env.get("TMP_DIR") or data_dir / "tmp"),
        run_dir=pathlib.Path(env.get("RUN_DIR") or data_dir / "run"),
        api_key=env.get("API_KEY", ""),
        worker_count=_int(env, "WORKER_COUNT", cores, 0, 256),
        max_concurrent_jobs=_int(env, "MAX_CONCURRENT_JOBS", 1, 1, 64),
        max_attempts=_int(env, "MAX_ATTEMPTS", 3, 1, 20),
        max_file_size=_size(env, "MAX_FILE_SIZE", GIB),
        inline_max_bytes=_size(env, "INLINE_MAX_BYTES", 256 * 1024),
        max_pages=_int(env, "MAX_PAGES", 2000, 1, 100_000),
        default_retention_days=_int(env, "DEFAULT_RETENTION_DAYS", 365, 1, 3650),
        ocr_engine=engine,
        heartbeat_s=_float(env, "WORKER_HEARTBEAT_S", 5.0),
        worker_dead_after_s=_float(env, "WORKER_DEAD_AFTER_S", 30.0),
        shutdown_grace_s=_float(env, "SHUTDOWN_GRACE_S", 30.0),
        retry_backoff_s=_float(env, "RETRY_BACKOFF_S", 5.0),
        upload_idle_s=_float(env, "UPLOAD_IDLE_S", 60.0),
        header_timeout_s=_float(env, "HEADER_TIMEOUT_S", 10.0),
        max_header_bytes=_size(env, "MAX_HEADER_SIZE", 64 * 1024),
        max_header_count=_int(env, "MAX_HEADER_COUNT", 100, 1, 10_000),
        max_message_size=_size(env, "MAX_MESSAGE_SIZE", 8 * 2**20),
        max_batch_files=_int(env, "MAX_BATCH_FILES", 1000, 1, 100_000),
        orphan_max_age_s=_float(env, "ORPHAN_MAX_AGE_S", 86_400.0),
        gateway_workers=_int(env, "GATEWAY_WORKERS", 1, 1, 64),
        prices=_prices(env),
        s3_bucket=env.get("S3_BUCKET", ""),
        s3_endpoint_url=env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL", ""),
        s3_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION", ""),
        s3_prefix=env.get("S3_PREFIX", ""),
        s3_multipart_threshold=_size(env, "S3_MULTIPART_THRESHOLD", 50 * 2**20),
        s3_max_attempts=_int(env, "S3_MAX_ATTEMPTS", 5, 1, 20),
        mistral_api_key=env.get("MISTRAL_API_KEY", ""),
        mistral_server_url=env.get("MISTRAL_SERVER_URL", ""),
        mistral_timeout_s=_float(env, "MISTRAL_TIMEOUT_S", 120.0),
    )
    if settings.max_message_size < MIN_MESSAGE_SIZE:
        raise ConfigError(
            f"MAX_MESSAGE_SIZE must be at least {MIN_MESSAGE_SIZE // 2**20} MiB "
            "(Upload chunks must fit in a message)."
        )
    return settings
