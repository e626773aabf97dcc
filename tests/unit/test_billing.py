"""Money is exact: micro-dollars and basis points, never floats."""

from __future__ import annotations

import pytest

from ilios import billing


def test_a_thousand_mistral_pages_cost_exactly_one_dollar_thirty():
    prices = billing.price_list({})
    cost = prices.cost("mistral", 1000)
    assert (cost.base_micros, cost.margin_bp, cost.total_micros) == (1_000_000, 3000, 1_300_000)
    assert billing.micros_to_cents(cost.total_micros) == 130
    assert prices.cost("local", 1000).total_micros == 0


def test_sums_of_records_do_not_drift():
    prices = billing.price_list({})
    assert sum(prices.cost("mistral", 1).total_micros for _ in range(1000)) == 1_300_000


def test_prices_and_margins_from_the_environment():
    prices = billing.price_list(
        {
            "MISTRAL_COST_PER_PAGE": "$0.0015",
            "MARGIN_RATE": "12.5%",
            "LOCAL_COST_PER_PAGE": "0.0001",
        }
    )
    assert prices.per_page_micros["mistral"] == 1500
    assert prices.margin_bp == 1250
    assert prices.cost("mistral", 3).total_micros == 4500 + 563  # 562.5 rounds half up
    assert prices.cost("local", 10).base_micros == 1000


@pytest.mark.parametrize("bad", ["abc", "-0.1", "0.0000001"])
def test_bad_prices_are_refused(bad):
    with pytest.raises(billing.PriceError):
        billing.usd_to_micros(bad)


@pytest.mark.parametrize(("text", "bp"), [("0.30", 3000), ("30%", 3000), ("0", 0), ("1.5", 15000)])
def test_rates(text, bp):
    assert billing.rate_to_bp(text) == bp


def test_cents_round_half_up():
    assert [billing.micros_to_cents(m) for m in (4_999, 5_000, 14_999, 15_000)] == [0, 1, 1, 2]
