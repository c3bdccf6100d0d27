"""Spatial metrics S1–S6 for incident data with coordinates (docs/metrics.md §4).

Points are projected to a local equirectangular plane around the site's centroid (metres) and
binned to a square grid over the extent, zero cells included. Monte Carlo steps take a seed
and return it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage, spatial, stats

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_CELL_M = 150.0
DENSITY_CELL_M = 50.0
TOP_SHARE = 0.05

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


# --- projection and grid ----------------------------------------------------------------


def project_equirectangular(
    lat: ArrayLike, lon: ArrayLike, *, origin: tuple[float, float] | None = None
) -> tuple[FloatArray, FloatArray, tuple[float, float]]:
    """Project WGS84 to metres on a local plane around ``origin`` (default: centroid) (§4)."""
    la = np.asarray(lat, dtype=float)
    lo = np.asarray(lon, dtype=float)
    lat0, lon0 = origin if origin is not None else (float(la.mean()), float(lo.mean()))
    x = EARTH_RADIUS_M * np.radians(lo - lon0) * math.cos(math.radians(lat0))
    y = EARTH_RADIUS_M * np.radians(la - lat0)
    return x, y, (lat0, lon0)


@dataclass(frozen=True)
class Grid:
    """Counts on a square grid (rows = y ascending, columns = x ascending) with its metadata."""

    counts: IntArray
    cell_size_m: float
    x0: float
    y0: float
    unit: str = "m"


def grid_counts(x: ArrayLike, y: ArrayLike, *, cell_size_m: float = DEFAULT_CELL_M) -> Grid:
    """Bin projected points to a square grid over their extent, zero cells included (§4)."""
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xa.size == 0:
        return Grid(np.zeros((1, 1), dtype=np.int64), cell_size_m, 0.0, 0.0)
    x0, y0 = float(xa.min()), float(ya.min())
    ix = np.floor((xa - x0) / cell_size_m).astype(np.int64)
    iy = np.floor((ya - y0) / cell_size_m).astype(np.int64)
    grid = np.zeros((int(iy.max()) + 1, int(ix.max()) + 1), dtype=np.int64)
    np.add.at(grid, (iy, ix), 1)
    return Grid(grid, cell_size_m, x0, y0)


# --- S1 concentration -------------------------------------------------------------------


def gini(counts: ArrayLike) -> float:
    """S1 Gini: counts ascending, G = 2 Σ i·x_i / (n Σx) − (n+1)/n."""
    x = np.sort(np.asarray(counts, dtype=float).ravel())
    n, total = x.size, float(x.sum())
    if n == 0 or total == 0:
        return float("nan")
    i = np.arange(1, n + 1)
    return float(2.0 * (i * x).sum() / (n * total) - (n + 1) / n)


def generalized_gini(counts: ArrayLike) -> float:
    """S1 generalized Gini for sparse data: G′ = max(1, n/N)(G − 1) + 1 (n cells, N events)."""
    x = np.asarray(counts, dtype=float).ravel()
    total = float(x.sum())
    if total == 0:
        return float("nan")
    return max(1.0, x.size / total) * (gini(x) - 1.0) + 1.0


def top_cells_count(n_cells: int, share: float = TOP_SHARE) -> int:
    """Number of cells in the top ``share`` of cells: ceil(share × n), at least 1 (S1, S4)."""
    return max(1, math.ceil(share * n_cells - 1e-9))


def top_share(counts: ArrayLike, share: float = TOP_SHARE) -> float:
    """S1: share of incidents in the top ``share`` of cells."""
    x = np.sort(np.asarray(counts, dtype=float).ravel())[::-1]
    total = float(x.sum())
    if total == 0:
        return float("nan")
    return float(x[: top_cells_count(x.size, share)].sum() / total)


def cells_holding(counts: ArrayLike, fraction: float) -> float:
    """S1: smallest share of cells (busiest first) holding ``fraction`` of incidents."""
    x = np.sort(np.asarray(counts, dtype=float).ravel())[::-1]
    total = float(x.sum())
    if total == 0:
        return float("nan")
    k = int(np.searchsorted(np.cumsum(x), fraction * total - 1e-9) + 1)
    return k / x.size


def _top_k_sum(counts: IntArray, k: int) -> int:
    """Sum of the k largest non-negative integer counts, from their histogram."""
    hist = np.bincount(counts)[::-1]  # number of cells holding each count, highest first
    values = np.arange(hist.size - 1, -1, -1)
    cum = np.cumsum(hist)
    i = int(np.searchsorted(cum, k))  # first count level at which k cells are reached
    full = int((values[:i] * hist[:i]).sum())
    taken = int(cum[i - 1]) if i > 0 else 0
    return full + (k - taken) * int(values[i])


@dataclass(frozen=True)
class Concentration:
    """S1 concentration result (docs/metrics.md §4); ``seed`` is the Monte Carlo seed."""

    top5_share: float
    cells_for_50pct: float
    cells_for_25pct: float
    gini: float
    generalized_gini: float
    random_top5_share: float
    excess_top5_share: float
    n_cells: int
    n_incidents: int
    seed: int
    draws: int


def concentration(counts: ArrayLike, *, seed: int = 0, draws: int = 200) -> Concentration:
    """S1 concentration: top-5% share, % of cells holding 50%/25%, Gini, G′, and the top-5% share
    under uniform random placement of the same N incidents (seeded, ``draws`` draws)."""
    x = np.asarray(counts, dtype=np.int64).ravel()
    total = int(x.sum())
    rng = np.random.default_rng(seed)
    k = top_cells_count(x.size)
    shares = []
    for _ in range(draws if total else 0):
        # Uniform placement of the same N incidents (a multinomial draw), then the top-k sum
        # read from the histogram of cell counts: O(cells) per draw, no sort.
        placed = np.bincount(rng.integers(0, x.size, size=total), minlength=x.size)
        shares.append(_top_k_sum(placed, k) / total)
    random_share = float(np.mean(shares)) if total else float("nan")
    observed = top_share(x)
    return Concentration(
        top5_share=observed,
        cells_for_50pct=cells_holding(x, 0.5),
        cells_for_25pct=cells_holding(x, 0.25),
        gini=gini(x),
        generalized_gini=generalized_gini(x),
        random_top5_share=random_share,
        excess_top5_share=observed - random_share,
        n_cells=int(x.size),
        n_incidents=total,
        seed=seed,
        draws=draws,
    )


# --- S2 Getis-Ord Gi* -------------------------------------------------------------------


@dataclass(frozen=True)
class HotSpots:
    """S2 Gi* z for every cell, BH-FDR significance and the p threshold used."""

    z: FloatArray
    p: FloatArray
    significant: NDArray[np.bool_]
    p_threshold: float
    q: float


def gi_star(grid: ArrayLike) -> FloatArray:
    """S2 Getis-Ord Gi* z for every cell: binary queen weights including the cell itself, computed
    with two ``scipy.ndimage.convolve`` passes (values and weights); population SD."""
    x = np.asarray(grid, dtype=float)
    n = x.size
    mean, sd = float(x.mean()), float(x.std())
    kernel = np.ones((3, 3))
    local = ndimage.convolve(x, kernel, mode="constant", cval=0.0)
    w = ndimage.convolve(np.ones_like(x), kernel, mode="constant", cval=0.0)
    if sd == 0:
        return np.zeros_like(x)
    denom = sd * np.sqrt((n * w - w**2) / (n - 1))  # binary weights: Σw² = Σw = W
    return np.asarray((local - mean * w) / denom, dtype=float)


def benjamini_hochberg(p: ArrayLike, q: float = 0.05) -> tuple[NDArray[np.bool_], float]:
    """BH FDR: reject p ≤ threshold, the largest p_(k) with p_(k) ≤ k q / m (S2)."""
    pa = np.asarray(p, dtype=float)
    flat = np.sort(pa.ravel())
    m = flat.size
    ok = flat <= q * np.arange(1, m + 1) / m
    threshold = float(flat[np.nonzero(ok)[0].max()]) if ok.any() else 0.0
    return (pa <= threshold) & ok.any(), threshold


def hot_spots(grid: ArrayLike, *, q: float = 0.05) -> HotSpots:
    """S2 Gi* hot spots with Benjamini–Hochberg FDR at ``q`` on two-sided normal p."""
    z = gi_star(grid)
    p = 2.0 * stats.norm.sf(np.abs(z))
    sig, thr = benjamini_hochberg(p, q)
    return HotSpots(z=z, p=np.asarray(p, dtype=float), significant=sig, p_threshold=thr, q=q)


# --- S3 density surface -----------------------------------------------------------------


@dataclass(frozen=True)
class Density:
    """S3 smoothed density (incidents per km²) with its cell size and bandwidth."""

    surface: FloatArray
    cell_size_m: float
    bandwidth_m: float
    x0: float
    y0: float


def density_surface(
    x: ArrayLike, y: ArrayLike, *, bandwidth_m: float = 150.0, cell_size_m: float = DENSITY_CELL_M
) -> Density:
    """S3 density surface: bin to 50 m, ``gaussian_filter`` with σ = bandwidth / cell size."""
    g = grid_counts(x, y, cell_size_m=cell_size_m)
    smooth = ndimage.gaussian_filter(g.counts.astype(float), sigma=bandwidth_m / cell_size_m)
    per_km2 = smooth / (cell_size_m / 1000.0) ** 2
    return Density(per_km2, cell_size_m, bandwidth_m, g.x0, g.y0)


# --- S4 hot-spot stability --------------------------------------------------------------


def top_cell_ids(counts: ArrayLike, share: float = TOP_SHARE) -> set[int]:
    """S4: ids (flat index) of the top ``share`` of cells, ties by (count desc, id asc);
    cells with zero incidents are never hot."""
    x = np.asarray(counts).ravel()
    order = np.lexsort((np.arange(x.size), -x))
    chosen = order[: top_cells_count(x.size, share)]
    return {int(i) for i in chosen if x[i] > 0}


@dataclass(frozen=True)
class Stability:
    """S4 hot-spot stability between consecutive periods."""

    jaccard: list[float]
    persistence: list[float]
    top_sets: list[set[int]] = field(repr=False)


def hot_spot_stability(periods: Sequence[ArrayLike], share: float = TOP_SHARE) -> Stability:
    """S4: Jaccard |A∩B|/|A∪B| and persistence |A∩B|/|A| of top-5% cell sets between
    consecutive periods (identical → 1.0, disjoint → 0)."""
    sets = [top_cell_ids(p, share) for p in periods]
    jac, per = [], []
    for a, b in zip(sets, sets[1:], strict=False):
        union = a | b
        jac.append(len(a & b) / len(union) if union else float("nan"))
        per.append(len(a & b) / len(a) if a else float("nan"))
    return Stability(jaccard=jac, persistence=per, top_sets=sets)


# --- S5 near-repeat (Knox) --------------------------------------------------------------

DISTANCE_BANDS_M: tuple[tuple[float, float], ...] = ((0, 100), (100, 200), (200, 300), (300, 400))
TIME_BANDS_DAYS: tuple[tuple[int, int], ...] = ((0, 7), (8, 14), (15, 21), (22, 28))


@dataclass(frozen=True)
class Knox:
    """S5 Knox table: observed pairs, mean expected under permuted times, ratio and p.

    Rows are distance bands, columns time bands. Distance bands are (lo, hi] except the first,
    which is [0, 100]; time bands are whole days, inclusive at both ends (0–7, 8–14, …).
    """

    observed: IntArray
    expected: FloatArray
    ratio: FloatArray
    p: FloatArray
    permutations: int
    seed: int
    distance_bands_m: tuple[tuple[float, float], ...]
    time_bands_days: tuple[tuple[int, int], ...]


def _knox_count(
    a: NDArray[np.int32],
    b: NDArray[np.int32],
    dist_band: NDArray[np.int32],
    days: NDArray[np.integer[Any]],
    n_d: int,
    time_bands: Sequence[tuple[int, int]],
) -> IntArray:
    """Pairs per (distance band, time band): one bincount over (band, capped day difference),
    then the day differences are summed into the time bands (no masks or lookups per pair)."""
    cap = max(hi for _, hi in time_bands) + 1
    dt = np.minimum(np.abs(days[a] - days[b]), cap)
    counts = np.bincount(dist_band * (cap + 1) + dt, minlength=n_d * (cap + 1))
    counts = counts.reshape(n_d, cap + 1)
    table = np.zeros((n_d, len(time_bands)), dtype=np.int64)
    for j, (lo, hi) in enumerate(time_bands):
        table[:, j] = counts[:, lo : hi + 1].sum(axis=1)
    return table


def near_repeat_knox(
    x: ArrayLike,
    y: ArrayLike,
    days: ArrayLike,
    *,
    distance_bands_m: Sequence[tuple[float, float]] = DISTANCE_BANDS_M,
    time_bands_days: Sequence[tuple[int, int]] = TIME_BANDS_DAYS,
    permutations: int = 99,
    seed: int = 0,
) -> Knox:
    """S5 near-repeat Knox test: pairs within distance × time bands via ``cKDTree.query_pairs``;
    expected counts from ``permutations`` seeded permutations of the times;
    p = (1 + #sim ≥ obs)/(R + 1). ``days`` are integer day numbers (e.g. days since epoch)."""
    pts = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    d = np.asarray(days, dtype=np.int64)
    max_d = max(hi for _, hi in distance_bands_m)
    tree = spatial.cKDTree(pts)
    pairs = tree.query_pairs(r=max_d, output_type="ndarray").astype(np.int64)
    dist = np.hypot(*(pts[pairs[:, 0]] - pts[pairs[:, 1]]).T) if len(pairs) else np.zeros(0)
    dist_band = np.full(dist.size, -1)
    for i, (lo, hi) in enumerate(distance_bands_m):
        inside = (dist > lo) & (dist <= hi) if i else (dist >= lo) & (dist <= hi)
        dist_band[inside] = i
    n_d = len(distance_bands_m)
    inside_any = dist_band >= 0
    # Narrow integer types: each permutation gathers the days of every pair, and with millions
    # of pairs the time goes into moving memory.
    pairs = pairs[inside_any].astype(np.int32)
    dist_band = dist_band[inside_any].astype(np.int32)
    if d.size and int(d.max() - d.min()) < np.iinfo(np.int32).max:
        d = (d - d.min()).astype(np.int32)
    a, b = np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1])
    observed = _knox_count(a, b, dist_band, d, n_d, time_bands_days)
    rng = np.random.default_rng(seed)
    sims = np.zeros((permutations, *observed.shape), dtype=np.int64)
    for r in range(permutations):
        sims[r] = _knox_count(a, b, dist_band, rng.permutation(d), n_d, time_bands_days)
    expected = sims.mean(axis=0) if permutations else np.full(observed.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / expected, np.nan)
    p = (1 + (sims >= observed[None]).sum(axis=0)) / (permutations + 1)
    return Knox(
        observed=observed,
        expected=np.asarray(expected, dtype=float),
        ratio=np.asarray(ratio, dtype=float),
        p=np.asarray(p, dtype=float),
        permutations=permutations,
        seed=seed,
        distance_bands_m=tuple(distance_bands_m),
        time_bands_days=tuple(time_bands_days),
    )


# --- S6 weighted displacement difference ------------------------------------------------


@dataclass(frozen=True)
class WDD:
    """S6 weighted displacement difference (Wheeler & Ratcliffe 2018)."""

    wdd: float
    variance: float
    se: float
    z: float
    p: float
    ci_lower: float
    ci_upper: float


def weighted_displacement_difference(
    treated: tuple[int, int],
    control: tuple[int, int],
    displacement: tuple[int, int],
    displacement_control: tuple[int, int],
    *,
    conf: float = 0.95,
) -> WDD:
    """S6 WDD = ΔT − ΔCt + ΔD − ΔCd; variance = sum of the eight (pre, post) counts."""
    d_t = treated[1] - treated[0]
    d_c = control[1] - control[0]
    d_d = displacement[1] - displacement[0]
    d_cd = displacement_control[1] - displacement_control[0]
    wdd = float(d_t - d_c + d_d - d_cd)
    var = float(sum(treated) + sum(control) + sum(displacement) + sum(displacement_control))
    se = math.sqrt(var)
    z = wdd / se if se > 0 else float("nan")
    zc = float(stats.norm.ppf(0.5 + conf / 2))
    p = float(2 * stats.norm.sf(abs(z))) if se > 0 else float("nan")
    return WDD(wdd, var, se, z, p, wdd - zc * se, wdd + zc * se)
