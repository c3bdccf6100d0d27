"""§1 display rounding and the result envelope."""

import json

import pytest

from metrics.compute import (
    MetricResult,
    format_p,
    format_p_sentence,
    format_pct_headline,
    format_pct_table,
    format_rate_ratio,
    format_signed_pct,
    null_result,
)


def test_headline_percent_is_integer_with_unicode_minus() -> None:
    assert format_pct_headline(-25.0) == "−25%"
    assert format_pct_headline(60.5) == "61%"  # half away from zero


def test_zero_percent_is_shown_not_na() -> None:
    assert format_pct_headline(0.0) == "0%"
    assert format_pct_table(0.0) == "0.0%"


def test_table_percent_has_one_decimal() -> None:
    assert format_pct_table(-25.0) == "−25.0%"
    assert format_pct_table(12.345) == "12.3%"


def test_rate_ratio_two_decimals() -> None:
    assert format_rate_ratio(0.75) == "0.75"
    assert format_rate_ratio(0.3903) == "0.39"
    assert format_rate_ratio(float("inf")) == "∞"


@pytest.mark.parametrize(
    ("p", "text"),
    [(0.281979, "0.28"), (0.302, "0.30"), (0.0012, "0.0012"), (0.0002, "<0.001"), (1.0, "1.0")],
)
def test_p_two_significant_digits(p: float, text: str) -> None:
    assert format_p(p) == text


def test_p_in_a_sentence() -> None:
    assert format_p_sentence(1.6e-13) == "p < 0.001"
    assert format_p_sentence(0.0312) == "p = 0.031"


def test_signed_percent() -> None:
    assert format_signed_pct(60.5) == "+61%"
    assert format_signed_pct(-86.6) == "−87%"


def test_null_result_requires_reason() -> None:
    with pytest.raises(ValueError):
        MetricResult(metric="x", status="null")
    assert null_result("x", "missing_months").reason == "missing_months"


def test_envelope_is_json_serialisable_and_carries_provenance() -> None:
    res = MetricResult(metric="x", status="ok", values={"v": float("nan")}, seed=42)
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["values"]["v"] is None and d["seed"] == 42 and d["computed_at"]


def test_plain_and_numpy_values_convert_alike() -> None:
    """Plain Python values (the fast path) and their numpy/pandas counterparts give the same
    JSON: NaN → None, ±inf → "inf"/"-inf", booleans stay booleans, keys become strings."""
    import numpy as np
    import pandas as pd

    from metrics.compute.envelope import to_jsonable

    plain = {
        "n": 3,
        "x": 1.25,
        "nan": float("nan"),
        "up": float("inf"),
        "down": float("-inf"),
        "yes": True,
        "none": None,
        2024: [0.5, float("nan"), "a", [1, False]],
    }
    numpy_like = {
        "n": np.int64(3),
        "x": np.float64(1.25),
        "nan": np.nan,
        "up": np.float32("inf"),
        "down": np.float64("-inf"),
        "yes": np.bool_(True),
        "none": None,
        2024: (np.float64(0.5), np.float64("nan"), "a", []),
    }
    expected = {
        "n": 3,
        "x": 1.25,
        "nan": None,
        "up": "inf",
        "down": "-inf",
        "yes": True,
        "none": None,
        "2024": [0.5, None, "a", [1, False]],
    }
    assert to_jsonable(plain) == expected
    numpy_like[2024] = (*numpy_like[2024][:3], [np.int64(1), np.bool_(False)])
    assert to_jsonable(numpy_like) == expected
    assert to_jsonable(np.array([1.5, np.nan])) == [1.5, None]
    assert to_jsonable(pd.Period("2024-03", freq="M")) == "2024-03"
    assert type(to_jsonable(plain)["yes"]) is bool and type(to_jsonable(1.0)) is float
