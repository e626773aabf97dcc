"""What a conversion costs, in exact integers.

Money is kept in micro-dollars (1 USD = 1,000,000 µ$) and margins in basis
points (1 % = 100 bp), so sums never drift: 1,000 Mistral pages at $0.001 with
a 30 % margin cost exactly 1,300,000 µ$ = $1.30.

    base  = pages * cost per page (by engine)
    total = base + base * margin / 10,000   (rounded half up, per record)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ilios.limits import Engine

MICROS_PER_USD = 1_000_000
BASIS_POINTS = 10_000
DEFAULT_COST_PER_PAGE_USD: dict[str, str] = {
    Engine.MISTRAL: "0.001",
    Engine.LOCAL: "0",
    Engine.SCRIPTED: "0",
}
DEFAULT_MARGIN_RATE = "0.30"


class PriceError(ValueError):
    """A price or margin setting is not a usable number."""


@dataclasses.dataclass(frozen=True, slots=True)
class Cost:
    base_micros: int
    margin_bp: int
    total_micros: int


@dataclasses.dataclass(frozen=True, slots=True)
class PriceList:
    """Cost per page by engine (µ$) and the margin (bp)."""

    per_page_micros: Mapping[str, int]
    margin_bp: int

    def cost(self, engine: str, pages: int) -> Cost:
        base = self.per_page_micros.get(engine, 0) * pages
        margin = (base * self.margin_bp * 2 + BASIS_POINTS) // (2 * BASIS_POINTS)
        return Cost(base, self.margin_bp, base + margin)


def usd_to_micros(text: str) -> int:
    """``"0.001"`` → 1000; exact, refusing fractions of a micro-dollar."""
    try:
        value = Decimal(text.strip().lstrip("$"))
    except InvalidOperation:
        raise PriceError(f"{text!r} is not an amount in US dollars (e.g. 0.001)") from None
    micros = value * MICROS_PER_USD
    if value < 0 or micros != micros.to_integral_value():
        raise PriceError(f"{text!r} must be a non-negative amount in whole micro-dollars")
    return int(micros)


def rate_to_bp(text: str) -> int:
    """A margin as a fraction (``"0.30"``) or a percentage (``"30%"``) → basis points."""
    raw = text.strip()
    try:
        value = Decimal(raw.rstrip("%")) / (100 if raw.endswith("%") else 1)
    except InvalidOperation:
        raise PriceError(f"{text!r} is not a rate (e.g. 0.30 or 30%)") from None
    bp = (value * BASIS_POINTS).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if value < 0 or bp != value * BASIS_POINTS:
        raise PriceError(f"{text!r} must be a non-negative rate in whole basis points")
    return int(bp)


def micros_to_cents(micros: int) -> int:
    """Whole cents, rounded half up (the original API reported cents)."""
    return (micros + 5_000) // 10_000


def price_list(env: Mapping[str, str]) -> PriceList:
    """Prices from ``<ENGINE>_COST_PER_PAGE`` (USD) and ``MARGIN_RATE``."""
    per_page = {
        engine: usd_to_micros(env.get(f"{engine.upper()}_COST_PER_PAGE") or default)
        for engine, default in DEFAULT_COST_PER_PAGE_USD.items()
    }
    return PriceList(per_page, rate_to_bp(env.get("MARGIN_RATE") or DEFAULT_MARGIN_RATE))
