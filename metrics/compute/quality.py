"""Data-quality gate DQ1–DQ9 (docs/metrics.md §5) as pure functions returning flags.

Each rule returns a list of :class:`Flag` (rule id, key such as a month or incident id,
proposed month status or effect, and a plain-English message). Callers decide whether to
apply the proposed status; nothing here mutates its input.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from metrics.compute.series import (
    MISSING,
    PROVISIONAL,
    REPORTED,
    SUSPECT,
    MonthLike,
    MonthlySeries,
    month_label,
    to_month,
)
from metrics.offenses import VIOLENT_COMPONENTS

REPORTING_LAG_MONTHS = 2  # DQ4
REVISION_TOLERANCE = 0.05  # DQ6
POPULATION_JUMP = 0.10  # DQ8
GEOCODED_MIN = 0.95  # DQ9
STACKED_POINT_SHARE = 0.01  # DQ9


@dataclass(frozen=True)
class Flag:
    """One data-quality finding (docs/metrics.md §5).

    ``effect`` is the proposed month status (``missing``/``suspect``/``provisional``) or the
    action (``reject``, ``warning``, ``break_in_window``, ``revised``, ``flag``).
    """

    rule: str
    key: str
    effect: str
    message: str


# --- DQ2/DQ3 expectation model (docs/metrics.md §7.3) -----------------------------------

EXPECTATION_WINDOW = 36  # trailing months the expectation is fitted on
EXPECTATION_MIN_MONTHS = 12  # fewer counted months in the window: the month is not tested
EXPECTATION_MIN_MEAN = 1.0  # a window averaging less than one event a month is not tested
EXPECTATION_Q = 0.01  # Benjamini–Hochberg level across the series' tested months
IRLS_ITERATIONS = 50
IRLS_TOLERANCE = 1e-8


@dataclass(frozen=True)
class Expectations:
    """The §7.3 expectation of every month of a series, aligned to its index.

    ``tested`` marks the months with a counted value and a usable trailing window; for them
    ``expected`` is the model's mean, ``variance`` the variance of the count around it (φμ plus
    the uncertainty of the fitted mean), ``p`` the two-sided tail probability and ``q`` its
    Benjamini–Hochberg adjustment across the tested months. Untested months hold NaN.
    """

    expected: pd.Series
    variance: pd.Series
    p: pd.Series
    q: pd.Series
    tested: pd.Series

    @property
    def flagged(self) -> pd.Series:
        return self.tested & (self.q < EXPECTATION_Q)


def _seasonal_columns(month_of_year: NDArray[np.float64]) -> NDArray[np.float64]:
    """Two harmonic pairs of period 12: the month-of-year effect (the ITS's seasonality, §3.3)."""
    return _SEASONAL_TABLE[np.asarray(month_of_year, dtype=np.int64) - 1]


_ANGLES = 2.0 * np.pi * np.arange(1, 13) / 12.0
_SEASONAL_TABLE = np.stack(
    [np.sin(_ANGLES), np.cos(_ANGLES), np.sin(2 * _ANGLES), np.cos(2 * _ANGLES)], axis=-1
)


def _batched_quasi_poisson(
    x: NDArray[np.float64], y: NDArray[np.float64], w: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Poisson IRLS for many small GLMs at once: ``x`` (fits, rows, p), ``y`` and the 0/1 row
    weights ``w`` (fits, rows). Returns the coefficients (fits, p), the unscaled covariance
    (X'WX)⁻¹ (fits, p, p) and the Pearson dispersion φ = Σ (y − μ)²/μ / (n − p) (fits,)."""
    fits, _, p = x.shape
    n = w.sum(axis=1)
    mean = (w * y).sum(axis=1) / np.maximum(n, 1.0)
    beta: NDArray[np.float64] = np.zeros((fits, p))
    beta[:, 0] = np.log(np.maximum(mean, 0.5))
    ridge = 1e-9 * np.eye(p)
    xt = np.swapaxes(x, 1, 2)
    for _ in range(IRLS_ITERATIONS):
        eta = (x @ beta[..., None])[..., 0]
        mu = np.exp(np.clip(eta, -30.0, 30.0))
        z = eta + (y - mu) / mu
        wm = w * mu
        xtwx = xt @ (x * wm[..., None]) + ridge
        xtwz = (xt @ (wm * z)[..., None])[..., 0]
        new = np.asarray(np.linalg.solve(xtwx, xtwz[..., None])[..., 0], dtype=np.float64)
        step = np.abs(new - beta).max()
        beta = new
        if step < IRLS_TOLERANCE:
            break
    mu = np.exp(np.clip((x @ beta[..., None])[..., 0], -30.0, 30.0))
    xtwx = xt @ (x * (w * mu)[..., None]) + ridge
    cov = np.asarray(np.linalg.inv(xtwx), dtype=np.float64)
    pearson = (w * (y - mu) ** 2 / mu).sum(axis=1)
    phi = np.asarray(pearson / np.maximum(n - p, 1.0), dtype=np.float64)
    return beta, cov, phi


def two_sided_tail_p(count: ArrayLike, mean: ArrayLike, variance: ArrayLike) -> NDArray[np.float64]:
    """Two-sided tail p of ``count`` under a negative binomial with the given mean and variance
    (a Poisson where the variance does not exceed the mean): 2·min(P(X ≤ c), P(X ≥ c)), at most 1.
    """
    c = np.asarray(count, dtype=np.float64)
    mu = np.asarray(mean, dtype=np.float64)
    var = np.asarray(variance, dtype=np.float64)
    extra = var - mu
    poisson = extra <= 1e-9 * np.maximum(mu, 1.0)
    size = np.where(poisson, 1.0, mu * mu / np.where(poisson, 1.0, extra))
    prob = size / (size + mu)
    low = np.where(poisson, stats.poisson.cdf(c, mu), stats.nbinom.cdf(c, size, prob))
    high = np.where(poisson, stats.poisson.sf(c - 1, mu), stats.nbinom.sf(c - 1, size, prob))
    return np.asarray(np.minimum(1.0, 2.0 * np.minimum(low, high)), dtype=np.float64)


def benjamini_hochberg(p: ArrayLike) -> NDArray[np.float64]:
    """Benjamini–Hochberg adjusted p-values (q), in the order given."""
    pv = np.asarray(p, dtype=np.float64)
    m = len(pv)
    if m == 0:
        return pv
    order = np.argsort(pv)
    ranked = pv[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def expectations(ms: MonthlySeries) -> Expectations:
    """§7.3 expectation of each month from the trailing 36 months (the month itself left out).

    For every month with a count, a quasi-Poisson GLM — intercept, linear trend and two
    harmonic pairs of period 12 (month-of-year effects) — is fitted to the counted months among
    the 36 before it (at least 12 of them, averaging at least one event). The count is judged
    under a negative binomial with the fitted mean μ and variance φμ + μ²·Var(log μ̂) (φ, the
    Pearson dispersion, floored at 1; the second term is the uncertainty of the fitted mean).
    All fits run at once (batched IRLS in numpy).
    """
    index = ms.counts.index
    n = len(index)
    nan = pd.Series(np.nan, index=index)
    empty = Expectations(nan, nan.copy(), nan.copy(), nan.copy(), pd.Series(False, index=index))
    counted = ms.status.isin([REPORTED, SUSPECT]).to_numpy() & ms.counts.notna().to_numpy()
    y_all = np.nan_to_num(ms.counts.to_numpy(dtype=np.float64))
    window = EXPECTATION_WINDOW
    # Row r of the window of month j is month j − window + r (the window ends the month before j).
    offsets = np.arange(-window, 0)
    rows = np.arange(n)[:, None] + offsets[None, :]
    inside = rows >= 0
    rows_c = np.clip(rows, 0, max(n - 1, 0))
    w = (inside & counted[rows_c]).astype(np.float64)
    y = np.where(w > 0, y_all[rows_c], 0.0)
    n_rows = w.sum(axis=1)
    mean = (w * y).sum(axis=1) / np.maximum(n_rows, 1.0)
    testable = counted & (n_rows >= EXPECTATION_MIN_MONTHS) & (mean >= EXPECTATION_MIN_MEAN)
    j = np.nonzero(testable)[0]
    if j.size == 0:
        return empty
    moy = np.array([p.month for p in index], dtype=np.float64)
    trend = offsets.astype(np.float64) / 12.0  # years before the tested month
    x = np.empty((j.size, window, 6))
    x[..., 0] = 1.0
    x[..., 1] = trend[None, :]
    x[..., 2:] = _seasonal_columns(moy[rows_c[j]])
    beta, cov, phi = _batched_quasi_poisson(x, y[j], w[j])
    phi = np.maximum(phi, 1.0)
    x0 = np.concatenate([np.ones((j.size, 1)), np.zeros((j.size, 1)), _seasonal_columns(moy[j])], 1)
    log_mu = np.einsum("fp,fp->f", x0, beta)
    mu = np.exp(log_mu)
    var_log_mu = phi * np.einsum("fp,fpq,fq->f", x0, cov, x0)
    variance = phi * mu + mu * mu * var_log_mu
    p = two_sided_tail_p(y_all[j], mu, variance)
    q = benjamini_hochberg(p)
    out = [nan.copy() for _ in range(4)]
    for series, values in zip(out, (mu, variance, p, q), strict=True):
        series.iloc[j] = values
    tested = pd.Series(False, index=index)
    tested.iloc[j] = True
    expected, variance, p_out, q_out = out
    return Expectations(expected, variance, p_out, q_out, tested)


def dq1_missing_months(ms: MonthlySeries) -> list[Flag]:
    """DQ1 missing month: no row for a month inside the series → ``missing``."""
    return [
        Flag(
            "DQ1", month_label(m), MISSING, "No data for this month; windows touching it are null."
        )
        for m, s in ms.status.items()
        if s == MISSING
    ]


def dq2_implausible_zero(ms: MonthlySeries, exp: Expectations | None = None) -> list[Flag]:
    """DQ2 implausible zero (§7.3): a 0 whose two-sided tail under the trailing-36-month
    expectation survives Benjamini–Hochberg at q < 0.01 across the series' tested months →
    ``suspect``. ``exp`` is :func:`expectations` of ``ms`` when the caller has it already."""
    exp = expectations(ms) if exp is None else exp
    hits = exp.flagged & (ms.counts == 0)
    return [
        Flag(
            "DQ2",
            month_label(m),
            SUSPECT,
            f"Zero reported where about {exp.expected[m]:.1f} were expected (q = {exp.q[m]:.2g}).",
        )
        for m in ms.counts.index[hits.to_numpy()]
    ]


def dq2_all_offenses_zero(counts: pd.DataFrame) -> list[Flag]:
    """DQ2 implausible zero: every offense (column) is 0 in a month → ``suspect``."""
    zero = (counts.fillna(-1) == 0).all(axis=1)
    return [
        Flag("DQ2", month_label(pd.Period(m, freq="M")), SUSPECT, "Every offense is 0 this month.")
        for m, z in zero.items()
        if z
    ]


def poisson_tail_p(count: ArrayLike, mean: ArrayLike) -> NDArray[np.float64]:
    """The smaller Poisson tail, min(P(X ≤ c), P(X ≥ c)) under the given mean, elementwise (the
    §5 DQ3 fixture; §7.3 judges months by :func:`two_sided_tail_p` instead)."""
    c = np.asarray(count)
    tails = np.minimum(stats.poisson.cdf(c, mean), stats.poisson.sf(c - 1, mean))
    return np.asarray(tails, dtype=np.float64)


def dq3_outliers(ms: MonthlySeries, exp: Expectations | None = None) -> list[Flag]:
    """DQ3 outlier (§7.3): a non-zero count whose two-sided tail under the trailing-36-month
    expectation survives Benjamini–Hochberg at q < 0.01 → ``suspect`` (zeros are DQ2's)."""
    exp = expectations(ms) if exp is None else exp
    hits = exp.flagged & (ms.counts > 0)
    return [
        Flag(
            "DQ3",
            month_label(m),
            SUSPECT,
            f"{int(ms.counts[m])} where about {exp.expected[m]:.1f} were expected "
            f"(two-sided p = {exp.p[m]:.2g}, q = {exp.q[m]:.2g}).",
        )
        for m in ms.counts.index[hits.to_numpy()]
    ]


def dq4_provisional(
    ms: MonthlySeries, *, as_of: dt.date, lag_months: int = REPORTING_LAG_MONTHS
) -> list[Flag]:
    """DQ4 latest month incomplete → ``provisional``, left out of headlines.

    A month is provisional while ``as_of`` is within ``lag_months`` after its month end: by the
    reporting lag alone, never by the month's value (§7.3 dropped the "series minimum" clause,
    which held back only low months and hid real declines).
    """
    flags = []
    # as_of ≤ the last day of month (m + lag) ⟺ m + lag ≥ as_of's month: only the last few
    # months can qualify, so the per-month test runs on those alone.
    recent = pd.Period(as_of, freq="M") - lag_months
    months = ms.counts.index
    if isinstance(months, pd.PeriodIndex) and months.freqstr == "M":
        months = months[months >= recent]
    for m in months:
        period = pd.Period(m, freq="M")
        settled = (period + lag_months).end_time.date()
        if as_of <= settled and ms.status[m] != MISSING:
            flags.append(Flag("DQ4", month_label(period), PROVISIONAL, "Inside the reporting lag."))
    return flags


def structural_break_flags(
    start: MonthLike, end: MonthLike, breaks: Sequence[MonthLike]
) -> list[str]:
    """DQ5 structural break: ``break_in_window`` when a break month falls inside (start, end].

    A break month is the first month under the new records system, so a window straddles it
    when it starts before the break and ends on or after it.
    """
    s, e = to_month(start), to_month(end)
    return ["break_in_window"] if any(s < to_month(b) <= e for b in breaks) else []


def dq5_structural_break(
    start: MonthLike, end: MonthLike, breaks: Sequence[MonthLike]
) -> list[Flag]:
    """DQ5 structural break as Flag objects (see :func:`structural_break_flags`)."""
    s, e = to_month(start), to_month(end)
    return [
        Flag(
            "DQ5", month_label(to_month(b)), "break_in_window", "Window straddles a system change."
        )
        for b in breaks
        if s < to_month(b) <= e
    ]


RAMP_SCOPE = "incident coverage"  # the scope of a source-ramp DQ5 finding
ALL_OFFENSES = "all offenses"  # the scope of a finding about every offense of a month
RAMP_REFERENCE_MONTHS = 24  # months after the candidate ramp that give the full level
RAMP_MAX_MONTHS = 12  # a ramp is looked for among the source's first 12 months
RAMP_RATIO = 0.5  # "far below": each ramp month under half its expectation …
RAMP_P = 0.001  # … and the ramp's total improbable under the expectation (one-sided)


def source_ramp(ms: MonthlySeries) -> pd.Period | None:
    """§7.3 source ramp: the first month at full level when a source's first months are far below
    the following ones after seasonality, else None.

    The level is a quasi-Poisson fit (intercept and two harmonic pairs of period 12) on the 24
    months after the first ``k = min(12, n − 24)`` months. The ramp is the longest run of
    months from the first whose counts are each below half of their expectation, when its total
    has a lower-tail probability below 0.001 under the fitted mean and dispersion. The month
    after the run is returned: a DQ5 break, as a records-system change would be.
    """
    counts = ms.counts
    n = len(counts)
    k = min(RAMP_MAX_MONTHS, n - RAMP_REFERENCE_MONTHS)
    counted = (ms.status.isin([REPORTED, SUSPECT]) & counts.notna()).to_numpy()
    if k < 1 or not counted[:k].all():
        return None
    ref = np.arange(k, k + RAMP_REFERENCE_MONTHS)
    y_all = np.nan_to_num(counts.to_numpy(dtype=np.float64))
    w = counted[ref].astype(np.float64)
    if w.sum() < EXPECTATION_MIN_MONTHS or (y_all[ref] * w).sum() / w.sum() < 1.0:
        return None
    moy = np.array([p.month for p in counts.index], dtype=np.float64)
    x = np.concatenate([np.ones((n, 1)), _seasonal_columns(moy)], axis=1)
    beta, _, phi = _batched_quasi_poisson(x[None, ref], y_all[None, ref], w[None, :])
    mu = np.exp(x[:k] @ beta[0])
    below = y_all[:k] < RAMP_RATIO * mu
    run = int(np.argmin(below)) if not below.all() else k
    if run == 0:
        return None
    total, expected = float(y_all[:run].sum()), float(mu[:run].sum())
    p = two_sided_tail_p(total, expected, max(float(phi[0]), 1.0) * expected) / 2.0
    return pd.Period(counts.index[run], freq="M") if float(p) < RAMP_P else None


def dq6_revisions(first_reported: pd.Series, current: pd.Series) -> list[Flag]:
    """DQ6 revision: a re-uploaded month differing from its first value by > 5% → ``revised``.

    From 0 to any positive value counts as a revision. Both values are kept by the caller.
    """
    flags = []
    both = pd.concat({"first": first_reported, "now": current}, axis=1).dropna()
    first = both["first"].to_numpy(dtype="float64")
    now = both["now"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.abs(now - first) / np.abs(first) > REVISION_TOLERANCE
    changed = np.where(first == 0, now != first, relative)
    for key, old, new in zip(both.index[changed], first[changed], now[changed], strict=True):
        old, new = float(old), float(new)
        flags.append(Flag("DQ6", str(key), "revised", f"Revised from {old:g} to {new:g}."))
    return flags


def dq7_consistency(
    counts: pd.DataFrame,
    *,
    total: str = "violent",
    components: Sequence[str] = VIOLENT_COMPONENTS,
    homicide: str = "homicide",
) -> list[Flag]:
    """DQ7 consistency: negative or non-integer counts → ``reject``; a reported violent total
    that differs from the sum of components, or homicides above the total → ``suspect``."""
    flags: list[Flag] = []
    for key, row in counts.iterrows():
        label = month_label(pd.Period(key, freq="M")) if not isinstance(key, str) else key
        vals = row.dropna().astype(float)
        if (vals < 0).any() or (~np.isclose(vals, np.round(vals))).any():
            flags.append(Flag("DQ7", label, "reject", "Negative or non-integer count."))
            continue
        if total in row and pd.notna(row[total]):
            comps = [row[c] for c in components if c in row]
            if len(comps) == len(components) and all(pd.notna(comps)):
                if float(sum(comps)) != float(row[total]):
                    flags.append(
                        Flag("DQ7", label, SUSPECT, "Violent total differs from its components.")
                    )
            if homicide in row and pd.notna(row[homicide]) and row[homicide] > row[total]:
                flags.append(Flag("DQ7", label, SUSPECT, "More homicides than violent crimes."))
    return flags


def dq8_population(population: Mapping[int, float], years: Sequence[int]) -> list[Flag]:
    """DQ8 population: missing for a needed year, or a > 10% jump year to year → ``warning``."""
    flags = []
    for y in sorted(set(years)):
        if y not in population or population[y] is None or not math.isfinite(population[y]):
            flags.append(Flag("DQ8", str(y), "warning", f"No population for {y}."))
    known = sorted(y for y in population if population[y] and math.isfinite(population[y]))
    for a, b in zip(known, known[1:], strict=False):
        if b == a + 1 and abs(population[b] - population[a]) / population[a] > POPULATION_JUMP:
            msg = f"Population jumps over 10% from {a} to {b}."
            flags.append(Flag("DQ8", str(b), "warning", msg))
    return flags


@dataclass(frozen=True)
class IncidentHygiene:
    """DQ9 result: flags plus a boolean mask of incidents usable for spatial metrics."""

    flags: list[Flag]
    spatial_ok: pd.Series


def dq9_incident_hygiene(
    incidents: pd.DataFrame,
    *,
    id_col: str = "incident_id",
    lat_col: str = "latitude",
    lon_col: str = "longitude",
    max_distance_km: float = 50.0,
    centroid: tuple[float, float] | None = None,
) -> IncidentHygiene:
    """DQ9 incident hygiene: duplicate ids; < 95% geocoded; ≥ 1% of incidents on one point;
    points more than ``max_distance_km`` from the site centroid (default: median point).

    Stacked and far points stay in counts but are excluded from spatial metrics
    (``spatial_ok`` False), as are rows without coordinates.
    """
    flags: list[Flag] = []
    n = len(incidents)
    dups = incidents[id_col][incidents[id_col].duplicated(keep=False)]
    for key in sorted(set(dups.astype(str))):
        flags.append(Flag("DQ9", key, "flag", "Duplicate incident id."))
    lat = pd.to_numeric(incidents[lat_col], errors="coerce")
    lon = pd.to_numeric(incidents[lon_col], errors="coerce")
    geocoded = lat.notna() & lon.notna()
    ok = geocoded.copy()
    if n and geocoded.mean() < GEOCODED_MIN:
        flags.append(
            Flag("DQ9", "geocoding", "flag", f"Only {100 * geocoded.mean():.1f}% geocoded.")
        )
    if geocoded.any():
        pts = pd.DataFrame({"lat": lat[geocoded].round(6), "lon": lon[geocoded].round(6)})
        sizes = pts.groupby(["lat", "lon"]).size()
        stacked = sizes[sizes >= max(2, math.ceil(STACKED_POINT_SHARE * n))]
        for (la, lo), k in stacked.items():
            flags.append(Flag("DQ9", f"{la},{lo}", "flag", f"{k} incidents on one point."))
            ok &= ~((lat.round(6) == la) & (lon.round(6) == lo))
        c_lat, c_lon = centroid if centroid else (float(lat.median()), float(lon.median()))
        dist = _haversine_km(lat, lon, c_lat, c_lon)
        far = geocoded & (dist > max_distance_km)
        if far.any():
            msg = f"{int(far.sum())} points far outside the site."
            flags.append(Flag("DQ9", "far_points", "flag", msg))
        ok &= ~far
    return IncidentHygiene(flags=flags, spatial_ok=ok.fillna(False).astype(bool))


def _haversine_km(lat: pd.Series, lon: pd.Series, lat0: float, lon0: float) -> pd.Series:
    p1, p2 = np.radians(lat), math.radians(lat0)
    dphi = p1 - p2
    dl = np.radians(lon) - math.radians(lon0)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * math.cos(p2) * np.sin(dl / 2) ** 2
    return pd.Series(2 * 6371.0088 * np.arcsin(np.sqrt(a)), index=lat.index)


def apply_status_flags(ms: MonthlySeries, flags: Sequence[Flag]) -> MonthlySeries:
    """Return a copy of ``ms`` with DQ month statuses applied (suspect/provisional/missing).

    Precedence: missing > suspect > provisional > reported (docs/metrics.md §1 month status).
    """
    rank = {REPORTED: 0, PROVISIONAL: 1, SUSPECT: 2, MISSING: 3}
    status = ms.status.copy()
    for f in flags:
        if f.effect not in rank:
            continue
        try:
            m = to_month(f.key)
        except (ValueError, TypeError):
            continue
        current = str(status[m]) if m in status.index else None
        if current is not None and rank[f.effect] > rank.get(current, 0):  # type: ignore[call-overload]
            status[m] = f.effect
    return MonthlySeries(counts=ms.counts, status=status, reason=ms.reason)
