"""What a request may ask for: ranges, defaults and engine names.

One place for the values the REST gateway checks, the gRPC server checks
again, the settings accept and the database's CHECK constraints enforce (a
test holds the migrations to these numbers). Here, in the client package,
because the gateway imports neither the server nor the store.
"""

from __future__ import annotations

from enum import StrEnum

# How long a document's original and Markdown are kept, in days.
MIN_RETENTION_DAYS = 1
MAX_RETENTION_DAYS = 3650
DEFAULT_RETENTION_DAYS = 365  # the server's default when a request sends none

# A job's priority: higher runs first. A request that sends none gets the default.
MIN_PRIORITY = 1
MAX_PRIORITY = 10
DEFAULT_PRIORITY = 5


class Engine(StrEnum):
    """An engine's name, as requests, settings and the database spell it."""

    LOCAL = "local"  # offline, the default
    MISTRAL = "mistral"  # Mistral's OCR API (MISTRAL_API_KEY)
    SCRIPTED = "scripted"  # follows a script inside each document: tests and benchmarks only


# OCR languages a request may name: model codes such as "eng", "deu", "chi_sim",
# "jpn_vert" or "script/Fraktur"; at most MAX_LANGUAGES of them.
LANGUAGE_CODE = r"[A-Za-z][A-Za-z_/]{1,31}"
MAX_LANGUAGES = 8
