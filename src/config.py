"""Configuration: one ``Settings`` class, read from the environment and a ``.env`` file.

Every setting has a default that works on a fresh machine: the local engine,
SQLite and blobs under ``./data``. Names follow the original Ilios API where it
had one (``PORT``, ``LOCAL_DB_PATH``, ``API_KEY``, ``S3_BUCKET`` ...). Values in
the environment win over the ``.env`` file in the working directory, which is
read once, by ``load``. Sizes take Ilios's syntax (``52428800``, ``50MB``,
``1GiB``; MB means MiB); durations are seconds. A value that cannot be used
stops start-up with ``ConfigError`` naming the variable.
"""

from __future__ import annotations

import functools
import os
import pathlib
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ilios import billing
from ilios.errors import ConfigError
from ilios.limits import DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, Engine

GIB = 1024**3
MIB = 2**20
MIN_MESSAGE_SIZE = 4 * MIB  # Upload chunks (2 MiB from the client) must fit
ENGINES = tuple(Engine)  # "scripted" follows a script inside each document: tests only
_UNITS = {
    "GIB": GIB, "GB": GIB, "G": GIB,
    "MIB": MIB, "MB": MIB, "M": MIB,
    "KIB": 1024, "KB": 1024, "K": 1024,
    "B": 1,
}  # fmt: skip


def parse_size(raw: object) -> object:
    """A byte size: ``1048576``, ``50MB``, ``1GiB`` (MB = MiB here); other input as is."""
    if not isinstance(raw, str):
        return raw
    text = raw.strip().upper().replace(" ", "")
    for suffix, factor in _UNITS.items():
        if text.endswith(suffix) and text[: -len(suffix)].isdigit():
            return int(text[: -len(suffix)]) * factor
    if text.isdigit():
        return int(text)
    raise ValueError("must be a size such as 52428800, 50MB or 1GiB")


Size = Annotated[int, BeforeValidator(parse_size), Field(ge=0)]
Seconds = Annotated[float, Field(gt=0)]
Port = Annotated[int, Field(ge=0, le=65535)]


def _split(raw: object) -> object:
    """A comma-separated list (blanks around items dropped); other input as is."""
    if isinstance(raw, str):
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    return raw


def _env(name: str, *more: str) -> Any:
    """The variable(s) a field is read from (the first set wins)."""
    return AliasChoices(name, *more) if more else name


class Settings(BaseSettings):
    """All settings, resolved. Sizes are bytes, durations seconds."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="ignore",
        case_sensitive=True,
        populate_by_name=True,
        validate_default=False,  # the defaults are ours (the derived paths start unset)
    )

    host: str = Field("127.0.0.1", validation_alias=_env("HOST"))
    port: Port = Field(1337, validation_alias=_env("PORT"))
    grpc_port: Port = Field(50051, validation_alias=_env("GRPC_PORT"))
    grpc_target: str = Field("", validation_alias=_env("GRPC_TARGET"))
    log_level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
        BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
    ] = Field("INFO", validation_alias=_env("LOG_LEVEL"))
    data_dir: pathlib.Path = Field(pathlib.Path("data"), validation_alias=_env("DATA_DIR"))
    # Derived from data_dir when unset.
    db_path: pathlib.Path = Field(None, validation_alias=_env("LOCAL_DB_PATH"))  # type: ignore[assignment]
    blob_dir: pathlib.Path = Field(None, validation_alias=_env("BLOB_DIR"))  # type: ignore[assignment]
    tmp_dir: pathlib.Path = Field(None, validation_alias=_env("TMP_DIR"))  # type: ignore[assignment]
    run_dir: pathlib.Path = Field(None, validation_alias=_env("RUN_DIR"))  # type: ignore[assignment]
    # PostgreSQL (postgresql://user:password@host:port/database): the shared store
    # of a deployment on many hosts. Unset: SQLite at LOCAL_DB_PATH.
    database_url: str = Field("", validation_alias=_env("DATABASE_URL"), repr=False)
    # Connections each process keeps to PostgreSQL, at most.
    database_pool_size: int = Field(8, ge=1, le=256, validation_alias=_env("DATABASE_POOL_SIZE"))
    # With DATABASE_URL and no S3_BUCKET: BLOB_DIR is a filesystem every node mounts.
    blob_dir_shared: bool = Field(False, validation_alias=_env("BLOB_DIR_SHARED"))
    db_synchronous: Literal["full", "normal"] = Field(
        "full", validation_alias=_env("DB_SYNCHRONOUS")
    )
    # How long a writer waits for another's lock before DATABASE_BUSY (then the
    # call is retried, see ilios.retry).
    db_busy_timeout_ms: int = Field(
        10_000, ge=1, le=600_000, validation_alias=_env("DB_BUSY_TIMEOUT_MS")
    )
    # OCR languages of a request that names none (model codes, comma-separated).
    ocr_languages: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_split)] = Field(
        ("eng",), validation_alias=_env("OCR_LANGUAGES")
    )
    # API keys, comma-separated (each its own identity); none: authentication is off.
    api_keys: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_split)] = Field(
        (), validation_alias=_env("API_KEY"), repr=False
    )
    # Origins a browser may call the REST API from ("*": any), comma-separated.
    cors_origins: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_split)] = Field(
        ("*",), validation_alias=_env("CORS_ORIGINS")
    )
    worker_count: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=0,
        le=256,
        validation_alias=_env("WORKER_COUNT"),
    )
    max_concurrent_jobs: int = Field(1, ge=1, le=64, validation_alias=_env("MAX_CONCURRENT_JOBS"))
    max_attempts: int = Field(3, ge=1, le=20, validation_alias=_env("MAX_ATTEMPTS"))
    gateway_workers: int = Field(1, ge=1, le=64, validation_alias=_env("GATEWAY_WORKERS"))
    max_file_size: Size = Field(GIB, validation_alias=_env("MAX_FILE_SIZE"))
    # Files sent inline up to this size are kept in the database (0: never).
    inline_max_bytes: Size = Field(256 * 1024, validation_alias=_env("INLINE_MAX_BYTES"))
    max_pages: int = Field(2000, ge=1, le=100_000, validation_alias=_env("MAX_PAGES"))
    default_retention_days: int = Field(
        DEFAULT_RETENTION_DAYS,
        ge=MIN_RETENTION_DAYS,
        le=MAX_RETENTION_DAYS,
        validation_alias=_env("DEFAULT_RETENTION_DAYS"),
    )
    ocr_engine: str = Field("", validation_alias=_env("OCR_ENGINE"))  # "": see _derive
    heartbeat_s: Seconds = Field(5.0, validation_alias=_env("WORKER_HEARTBEAT_S"))
    worker_dead_after_s: Seconds = Field(30.0, validation_alias=_env("WORKER_DEAD_AFTER_S"))
    shutdown_grace_s: Seconds = Field(30.0, validation_alias=_env("SHUTDOWN_GRACE_S"))
    retry_backoff_s: Seconds = Field(5.0, validation_alias=_env("RETRY_BACKOFF_S"))
    # The engine sandbox: a page's time budget and a child's memory cap.
    page_timeout_s: Seconds = Field(60.0, validation_alias=_env("PAGE_TIMEOUT_S"))
    engine_memory_mb: int = Field(
        2048, ge=256, le=1 << 20, validation_alias=_env("ENGINE_MEMORY_MB")
    )
    # Pages of one document the local engine OCRs at once (threads of its process).
    ocr_threads: int = Field(2, ge=1, le=64, validation_alias=_env("OCR_THREADS"))
    # A request that sends nothing for this long is dropped: a REST body (less
    # than connection.MIN_BODY_PROGRESS_BYTES in that time) or a gRPC message.
    upload_idle_s: Seconds = Field(60.0, validation_alias=_env("UPLOAD_IDLE_S"))
    # A REST request's header section must arrive whole within this time, and
    # may hold at most max_header_bytes in max_header_count fields.
    header_timeout_s: Seconds = Field(10.0, validation_alias=_env("HEADER_TIMEOUT_S"))
    max_header_bytes: Size = Field(64 * 1024, validation_alias=_env("MAX_HEADER_SIZE"))
    max_header_count: int = Field(100, ge=1, le=10_000, validation_alias=_env("MAX_HEADER_COUNT"))
    # The largest gRPC request message (a file sent inline, with its fields).
    max_message_size: Size = Field(
        8 * MIB, ge=MIN_MESSAGE_SIZE, validation_alias=_env("MAX_MESSAGE_SIZE")
    )
    max_batch_files: int = Field(1000, ge=1, le=100_000, validation_alias=_env("MAX_BATCH_FILES"))
    # A stored original or upload that no row names is removed once this old:
    # a crash left it between storing the file and committing its row.
    orphan_max_age_s: Seconds = Field(86_400.0, validation_alias=_env("ORPHAN_MAX_AGE_S"))
    mistral_cost_per_page: str = Field(
        billing.DEFAULT_COST_PER_PAGE_USD["mistral"],
        validation_alias=_env("MISTRAL_COST_PER_PAGE"),
    )
    local_cost_per_page: str = Field(
        billing.DEFAULT_COST_PER_PAGE_USD["local"], validation_alias=_env("LOCAL_COST_PER_PAGE")
    )
    scripted_cost_per_page: str = Field(  # the test engine's, to test billing
        billing.DEFAULT_COST_PER_PAGE_USD["scripted"],
        validation_alias=_env("SCRIPTED_COST_PER_PAGE"),
    )
    margin_rate: str = Field(billing.DEFAULT_MARGIN_RATE, validation_alias=_env("MARGIN_RATE"))
    s3_bucket: str = Field("", validation_alias=_env("S3_BUCKET"))
    s3_endpoint_url: str = Field(
        "", validation_alias=_env("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
    )
    s3_region: str = Field("", validation_alias=_env("AWS_REGION", "AWS_DEFAULT_REGION"))
    s3_prefix: str = Field("", validation_alias=_env("S3_PREFIX"))
    s3_multipart_threshold: Size = Field(50 * MIB, validation_alias=_env("S3_MULTIPART_THRESHOLD"))
    s3_max_attempts: int = Field(5, ge=1, le=20, validation_alias=_env("S3_MAX_ATTEMPTS"))
    mistral_api_key: str = Field("", validation_alias=_env("MISTRAL_API_KEY"), repr=False)
    mistral_server_url: str = Field("", validation_alias=_env("MISTRAL_SERVER_URL"))
    mistral_timeout_s: Seconds = Field(120.0, validation_alias=_env("MISTRAL_TIMEOUT_S"))

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        """An empty variable (``PORT=``) means its default, as it always did."""
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data

    @model_validator(mode="after")
    def _derive(self) -> Settings:
        """Paths under data_dir, and the engine: Mistral once a key is set."""
        defaults = {
            "db_path": self.data_dir / "ilios.db",
            "blob_dir": self.data_dir / "blobs",
            "tmp_dir": self.data_dir / "tmp",
            "run_dir": self.data_dir / "run",
        }
        for name, value in defaults.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        url = self.database_url.strip()
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("DATABASE_URL must be a postgresql:// URL (unset: SQLite)")
        object.__setattr__(self, "database_url", url)
        engine = self.ocr_engine.strip().lower() or ("mistral" if self.mistral_api_key else "local")
        if engine not in ENGINES:
            raise ValueError(f"OCR_ENGINE must be 'local' or 'mistral', not {engine!r}")
        object.__setattr__(self, "ocr_engine", engine)
        try:
            self.prices  # noqa: B018  # checked now, not at the first conversion
        except billing.PriceError as exc:
            raise ValueError(f"MISTRAL_COST_PER_PAGE / MARGIN_RATE: {exc}") from None
        return self

    @functools.cached_property
    def prices(self) -> billing.PriceList:
        """Cost per page by engine and the margin."""
        return billing.price_list(
            {
                "MISTRAL_COST_PER_PAGE": self.mistral_cost_per_page,
                "LOCAL_COST_PER_PAGE": self.local_cost_per_page,
                "SCRIPTED_COST_PER_PAGE": self.scripted_cost_per_page,
                "MARGIN_RATE": self.margin_rate,
            }
        )

    @property
    def multi_node(self) -> bool:
        """Whether processes on other hosts may share this deployment's store: so
        whenever DATABASE_URL is set (a process cannot see the other nodes, and
        one added later must find what the first ones wrote)."""
        return bool(self.database_url)

    @property
    def grpc_address(self) -> str:
        """Where clients (and the gateway) reach the gRPC server."""
        return self.grpc_target or f"127.0.0.1:{self.grpc_port}"


def load(env: Mapping[str, str] | None = None, dotenv: bool = True) -> Settings:
    """Resolve settings: from ``env`` alone when given, else from the environment
    and (``dotenv``) the ``.env`` file in the working directory, the environment
    winning."""
    try:
        if env is not None:
            return Settings.model_validate(dict(env))  # no sources: the mapping alone
        return Settings(_env_file=pathlib.Path.cwd() / ".env" if dotenv else None)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(_explain(exc)) from None


def _explain(exc: ValidationError) -> str:
    """One line per unusable setting, naming its variable."""
    fields = Settings.model_fields
    lines = []
    for error in exc.errors(include_url=False):
        where = error["loc"][0] if error["loc"] else ""
        field = fields.get(str(where))
        alias = field.validation_alias if field is not None else None
        name = alias.choices[0] if isinstance(alias, AliasChoices) else alias if alias else where
        value = error.get("input")
        shown = f" (got {value!r})" if isinstance(value, str | int | float) else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{name}: {message}{shown}" if name else message)
    return "; ".join(lines)
