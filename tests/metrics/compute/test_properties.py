"""Hypothesis properties of the metric layer (docs/metrics.md §1 conventions)."""

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.compute import (
    complete_monthly,
    prepost_rate_ratio,
    rate_ratio_exact,
    rolling_12m,
    rolling_12m_series,
    yoy_change,
    ytd_change,
)

FAST = settings(deadline=None, max_examples=40)
counts_st = st.lists(st.integers(min_value=0, max_value=60), min_size=26, max_size=40)


def series(values: list[int]) -> pd.Series:
    return pd.Series(values, index=pd.period_range("2020-01", periods=len(values), freq="M"))


@FAST
@given(values=counts_st, holes=st.sets(st.integers(min_value=1, max_value=24), max_size=4))
def test_counts_and_sums_are_never_negative(values: list[int], holes: set[int]) -> None:
    s = series(values).drop([pd.Period("2020-01", freq="M") + h for h in holes])
    ms = complete_monthly(s)
    assert (ms.counts.dropna() >= 0).all()
    assert (rolling_12m_series(ms).dropna() >= 0).all()
    res = ytd_change(ms)
    if res.ok:
        assert res.values["ytd"] >= 0 and res.values["prev_ytd"] >= 0


@FAST
@given(values=counts_st, hole=st.integers(min_value=1, max_value=24), offset=st.integers(0, 11))
def test_missing_month_nulls_every_window_touching_it(
    values: list[int], hole: int, offset: int
) -> None:
    missing = pd.Period("2020-01", freq="M") + hole
    ms = complete_monthly(series(values).drop(missing))
    end = missing + offset
    if end <= ms.last:
        r12 = rolling_12m(ms, month=end)
        assert r12.status == "null" and f"{missing.year:04d}-{missing.month:02d}" in r12.missing
    yoy = yoy_change(ms, start=missing - offset, end=missing)
    assert yoy.status == "null" and yoy.reason == "missing_months"
    later = yoy_change(ms, start=missing + 12) if missing + 12 <= ms.last else None
    assert later is None or later.status == "null"


@FAST
@given(
    base=st.integers(0, 400),
    current=st.integers(0, 400),
    e_base=st.floats(0.1, 50, allow_nan=False),
    e_cur=st.floats(0.1, 50, allow_nan=False),
)
def test_rate_ratio_ci_contains_point_estimate(
    base: int, current: int, e_base: float, e_cur: float
) -> None:
    rr = rate_ratio_exact(base, current, e_base, e_cur)
    if base + current == 0:
        assert math.isnan(rr.rr) and rr.p == 1.0
        return
    assert rr.lower <= rr.rr * (1 + 1e-9) and rr.rr <= rr.upper * (1 + 1e-9)
    assert 0.0 <= rr.p <= 1.0


@FAST
@given(
    pre=st.lists(st.integers(0, 40), min_size=12, max_size=12),
    post=st.lists(st.integers(0, 40), min_size=12, max_size=12),
)
def test_displayed_prepost_ci_contains_point_estimate(pre: list[int], post: list[int]) -> None:
    s = pd.Series(pre + post, index=pd.period_range("2019-01", periods=24, freq="M"))
    res = prepost_rate_ratio(s, start="2020-01", n_months=12)
    v = res.values
    if sum(pre) > 0:
        assert v["ci_lower"] <= v["rate_ratio"] * (1 + 1e-9) <= v["ci_upper"] * (1 + 1e-9)


@FAST
@given(values=counts_st, seed=st.integers(0, 2**32 - 1))
def test_results_do_not_depend_on_row_order(values: list[int], seed: int) -> None:
    s = series(values)
    shuffled = s.iloc[np.random.default_rng(seed).permutation(len(s))]
    for fn in (ytd_change, lambda x: rolling_12m(x, month=s.index[-1])):
        a, b = fn(s).to_dict(), fn(shuffled).to_dict()
        a.pop("computed_at"), b.pop("computed_at")
        assert a == b  # to_dict maps NaN to None, so equal NaNs compare equal
    a = prepost_rate_ratio(s, start=s.index[12], n_months=12).values
    b = prepost_rate_ratio(shuffled, start=s.index[12], n_months=12).values
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], float):
            assert math.isclose(a[k], b[k], rel_tol=1e-9) or (math.isnan(a[k]) and math.isnan(b[k]))
        else:
            assert a[k] == b[k]
