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

IMPLAUSIBLE_ZERO_MEAN = 6.9  # DQ2: P(0) < 0.001 under Poisson once the mean reaches ~6.9
OUTLIER_P = 0.001  # DQ3
REPORTING_LAG_MONTHS = 2  # DQ4
REVISION_TOLERANCE = 0.05  # DQ6
POPULATION_JUMP = 0.10  # DQ8
GEOCODED_MIN = 0.95  # DQ9
STACKED_POINT_SHARE = 0.01  # DQ9
TRAILING_MIN_MONTHS = 6  # DQ2/DQ3: need this many reported months among the trailing 12


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


def _trailing_means(ms: MonthlySeries) -> pd.Series:
    """Mean of the reported months among the 12 before each month (DQ2/DQ3), NaN when fewer
    than 6 of them are reported."""
    reported = ms.counts.where(ms.status == REPORTED)
    return reported.shift(1).rolling(12, min_periods=TRAILING_MIN_MONTHS).mean()


def dq1_missing_months(ms: MonthlySeries) -> list[Flag]:
    """DQ1 missing month: no row for a month inside the series → ``missing``."""
    return [
        Flag(
            "DQ1", month_label(m), MISSING, "No data for this month; windows touching it are null."
        )
        for m, s in ms.status.items()
        if s == MISSING
    ]


def dq2_implausible_zero(ms: MonthlySeries) -> list[Flag]:
    """DQ2 implausible zero: 0 while the trailing-12 reported mean ≥ 6.9 → ``suspect``.

    The trailing mean uses the reported months among the 12 before (at least 6 of them).
    """
    flags = []
    means = _trailing_means(ms)
    hits = (ms.status == REPORTED) & (ms.counts == 0) & (means >= IMPLAUSIBLE_ZERO_MEAN)
    for m in ms.counts.index[hits.to_numpy()]:
        mean = float(means[m])
        flags.append(
            Flag(
                "DQ2",
                month_label(m),
                SUSPECT,
                f"Zero reported while the previous 12 months averaged {mean:.1f}.",
            )
        )
    return flags


def dq2_all_offenses_zero(counts: pd.DataFrame) -> list[Flag]:
    """DQ2 implausible zero: every offense (column) is 0 in a month → ``suspect``."""
    zero = (counts.fillna(-1) == 0).all(axis=1)
    return [
        Flag("DQ2", month_label(pd.Period(m, freq="M")), SUSPECT, "Every offense is 0 this month.")
        for m, z in zero.items()
        if z
    ]


def poisson_tail_p(count: ArrayLike, mean: ArrayLike) -> NDArray[np.float64]:
    """DQ3: the smaller Poisson tail, min(P(X ≤ c), P(X ≥ c)) under the given mean, elementwise."""
    c = np.asarray(count)
    tails = np.minimum(stats.poisson.cdf(c, mean), stats.poisson.sf(c - 1, mean))
    return np.asarray(tails, dtype=np.float64)


def dq3_outliers(ms: MonthlySeries, *, p_threshold: float = OUTLIER_P) -> list[Flag]:
    """DQ3 outlier: a Poisson tail against the trailing-12 mean below 0.001 → ``suspect``."""
    flags: list[Flag] = []
    means = _trailing_means(ms)
    usable = ((ms.status == REPORTED) & (means > 0)).to_numpy()
    if not usable.any():
        return flags
    c_all = ms.counts.to_numpy()[usable]
    mu_all = means.to_numpy()[usable]
    tails = poisson_tail_p(c_all, mu_all)
    for m, c, mean, p in zip(ms.counts.index[usable], c_all, mu_all, tails, strict=True):
        if p < p_threshold:
            flags.append(
                Flag(
                    "DQ3",
                    month_label(m),
                    SUSPECT,
                    f"{int(c)} against a trailing mean of {mean:.2f} (Poisson tail p = {p:.2g}).",
                )
            )
    return flags


def dq4_provisional(
    ms: MonthlySeries, *, as_of: dt.date, lag_months: int = REPORTING_LAG_MONTHS
) -> list[Flag]:
    """DQ4 latest month incomplete → ``provisional``, left out of headlines.

    A month is provisional while ``as_of`` is within ``lag_months`` after its month end. The
    latest month is also provisional when it is the series' minimum (strictly below every
    earlier reported month, with at least 12 of them), a sign of late reporting.
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
    last = ms.last
    earlier = ms.counts[(ms.status == REPORTED) & (ms.counts.index < last)].dropna()
    flagged = {f.key for f in flags}
    if (
        month_label(last) not in flagged
        and ms.status[last] == REPORTED
        and len(earlier) >= 12
        and float(ms.counts[last]) < float(earlier.min())
    ):
        flags.append(
            Flag("DQ4", month_label(last), PROVISIONAL, "Latest month is the series minimum.")
        )
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
