"""Spatial metrics S1–S6 for incident data with coordinates (docs/metrics.md §4, §7.1–§7.2).

Points are projected to a local equirectangular plane around the site's centroid (metres) and
binned to a square grid, zero cells included. Version 2 (§7) counts on a study area — the convex
hull of the points buffered by one cell — with a grid that adapts to the number of points, and
judges hot spots and concentration against uniform random placement of the same incidents.
Monte Carlo steps take a seed and return it.
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


def _hist_rows(counts: IntArray) -> IntArray:
    """Per row of ``counts`` (draws × cells, non-negative integers), the number of cells holding
    each count 0..max: one bincount for every row at once."""
    rows, _ = counts.shape
    width = int(counts.max()) + 1 if counts.size else 1
    offset = np.arange(rows, dtype=np.int64)[:, None] * width
    return np.bincount((counts + offset).ravel(), minlength=rows * width).reshape(rows, width)


def _top_k_sums(hist: IntArray, k: int) -> IntArray:
    """Sum of the k largest counts of each row, read from its histogram (busiest level first)."""
    values = np.arange(hist.shape[1] - 1, -1, -1)
    desc = hist[:, ::-1]
    before = np.cumsum(desc, axis=1) - desc  # cells at higher levels than this one
    taken = np.clip(k - before, 0, desc)
    return np.asarray((taken * values).sum(axis=1), dtype=np.int64)


def _generalized_ginis(hist: IntArray, total: int) -> FloatArray:
    """G′ of each row from its histogram: the cells holding count v occupy ascending ranks
    a+1..a+c, so Σ i·x_i = Σ_v v (c·a + c(c+1)/2) with no sort (S1)."""
    n = int(hist[0].sum())
    values = np.arange(hist.shape[1], dtype=float)
    c = hist.astype(float)
    a = np.cumsum(c, axis=1) - c
    weighted = (values * (c * a + c * (c + 1) / 2)).sum(axis=1)
    g = 2.0 * weighted / (n * total) - (n + 1) / n
    return np.asarray(max(1.0, n / total) * (g - 1.0) + 1.0, dtype=float)


def uniform_placements(
    rng: np.random.Generator, n_cells: int, n_incidents: int, draws: int
) -> IntArray:
    """``draws`` placements of the same ``n_incidents`` uniformly over ``n_cells`` cells (each a
    multinomial draw), as a draws × cells array of counts: one bincount for all of them."""
    cells = rng.integers(0, n_cells, size=(draws, n_incidents))
    cells += np.arange(draws, dtype=np.int64)[:, None] * n_cells
    return np.bincount(cells.ravel(), minlength=draws * n_cells).reshape(draws, n_cells)


PLACEMENT_CHUNK = 4_000_000  # incidents placed per numpy step (bounds the memory of a step)


def _chunks(draws: int, per_draw: int) -> list[int]:
    """Draw counts per step so that one step handles at most :data:`PLACEMENT_CHUNK` values
    (``per_draw``: incidents placed, or grid cells, per draw)."""
    per = max(1, PLACEMENT_CHUNK // max(1, per_draw))
    return [min(per, draws - i) for i in range(0, draws, per)]


@dataclass(frozen=True)
class Concentration:
    """S1 concentration result (docs/metrics.md §4, §7.2); ``seed`` is the Monte Carlo seed.

    The top-5% share and its random-placement counterpart are None with ``top5_reason``
    ``too_sparse`` when 5% of the cells is more cells than there are incidents. The null of G′
    is the mean of ``draws`` uniform (multinomial) placements of the same N incidents;
    ``null_low``/``null_high`` are its 2.5th and 97.5th percentiles."""

    top5_share: float | None
    cells_for_50pct: float
    cells_for_25pct: float
    gini: float
    generalized_gini: float
    random_top5_share: float | None
    excess_top5_share: float | None
    n_cells: int
    n_incidents: int
    seed: int
    draws: int
    top5_reason: str | None = None
    null_generalized_gini: float = float("nan")
    excess_over_null: float = float("nan")
    null_low: float = float("nan")
    null_high: float = float("nan")


def concentration(counts: ArrayLike, *, seed: int = 0, draws: int = 200) -> Concentration:
    """S1 concentration with §7.2's null: top-5% share (None, ``too_sparse``, when 5% of cells
    exceeds N), % of cells holding 50%/25%, Gini, G′, and the same N incidents placed uniformly
    at random (seeded, ``draws`` multinomial draws): the mean top-5% share, G′'s mean (the
    excess over it is the headline) and its 95% interval. ``counts`` are the study-area cells."""
    x = np.asarray(counts, dtype=np.int64).ravel()
    total = int(x.sum())
    rng = np.random.default_rng(seed)
    k = top_cells_count(x.size)
    sparse = k > total
    shares: list[FloatArray] = []
    ginis: list[FloatArray] = []
    for size in _chunks(draws, total) if total else []:
        hist = _hist_rows(uniform_placements(rng, x.size, total, size))
        shares.append(_top_k_sums(hist, k) / total)
        ginis.append(_generalized_ginis(hist, total))
    null_g = np.concatenate(ginis) if ginis else np.full(0, np.nan)
    observed_g = generalized_gini(x)
    null_mean = float(null_g.mean()) if null_g.size else float("nan")
    random_share = None if sparse or not shares else float(np.concatenate(shares).mean())
    observed = None if sparse else top_share(x)
    excess = None if observed is None or random_share is None else observed - random_share
    return Concentration(
        top5_share=observed,
        cells_for_50pct=cells_holding(x, 0.5),
        cells_for_25pct=cells_holding(x, 0.25),
        gini=gini(x),
        generalized_gini=observed_g,
        random_top5_share=random_share,
        excess_top5_share=excess,
        n_cells=int(x.size),
        n_incidents=total,
        seed=seed,
        draws=draws,
        top5_reason="too_sparse" if sparse else None,
        null_generalized_gini=null_mean,
        excess_over_null=observed_g - null_mean,
        null_low=float(np.percentile(null_g, 2.5)) if null_g.size else float("nan"),
        null_high=float(np.percentile(null_g, 97.5)) if null_g.size else float("nan"),
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


# --- §7.1 study area, adaptive grid, Gi* against random placement ---------------------

MIN_AREA_CELLS = 400  # the study area may always have this many cells (§7.1)
HOT_PERMUTATIONS = 199  # placements whose maximum Gi* z sets the threshold
NULL_CHECK_PLACEMENTS = 50  # further placements judged by the same threshold (§7.1: ≥ 20)
MIN_NEIGHBOURHOOD_INCIDENTS = 3  # a hot cell's 3×3 neighbourhood holds at least this many
HOT_LEVEL = 0.95


def max_area_cells(n_incidents: int) -> int:
    """§7.1: the study area has at most max(400, N/2) cells."""
    return max(MIN_AREA_CELLS, n_incidents // 2)


@dataclass(frozen=True)
class StudyGrid:
    """Counts on a square grid whose study area (``area``) is the convex hull of the points
    buffered by one cell (§7.1); rows are y ascending, columns x ascending. Cells outside the
    study area are not part of any statistic. ``ix``/``iy`` are each point's cell."""

    counts: IntArray
    area: NDArray[np.bool_]
    cell_size_m: float
    x0: float
    y0: float
    ix: IntArray
    iy: IntArray

    @property
    def n_cells(self) -> int:
        return int(self.area.sum())

    def area_counts(self, mask: NDArray[np.bool_] | None = None) -> IntArray:
        """Counts of the study-area cells (flat, in grid order) of all points or of ``mask``."""
        if mask is None:
            return np.asarray(self.counts[self.area], dtype=np.int64)
        width = self.counts.shape[1]
        flat = np.bincount(self.iy[mask] * width + self.ix[mask], minlength=self.counts.size)
        return np.asarray(flat[self.area.ravel()], dtype=np.int64)


def _hull(x: FloatArray, y: FloatArray) -> spatial.ConvexHull | None:
    """Convex hull of the points (None when they span no area: fewer than three, collinear)."""
    if x.size < 3:
        return None
    try:
        return spatial.ConvexHull(np.column_stack([x, y]))
    except spatial.QhullError:
        return None


def _hull_cells(
    hull: spatial.ConvexHull | None, x0: float, y0: float, cell: float, shape: tuple[int, int]
) -> NDArray[np.bool_]:
    """Cells whose centre lies inside the hull: on the inner side of every facet's line
    (``equations``: normal · p + offset ≤ 0), all centres at once."""
    if hull is None:
        return np.zeros(shape, dtype=bool)
    cx = x0 + (np.arange(shape[1]) + 0.5) * cell
    cy = y0 + (np.arange(shape[0]) + 0.5) * cell
    normal, offset = hull.equations[:, :2], hull.equations[:, 2]
    # Facet by facet over the grid (rows × columns), so no (cells × facets) array is built.
    inside = np.ones(shape, dtype=bool)
    for (a, b), c in zip(normal, offset, strict=True):
        inside &= (cy[:, None] * b + cx[None, :] * a + c) <= 1e-9 * cell
    return inside


def _grid_on(
    x: FloatArray, y: FloatArray, hull: spatial.ConvexHull | None, cell: float
) -> StudyGrid:
    """The grid of side ``cell`` over the points' extent plus one cell of margin, with its
    study area: cells inside the hull or holding a point, dilated by one cell (the buffer)."""
    x0, y0 = float(x.min()) - cell, float(y.min()) - cell
    ix = np.floor((x - x0) / cell).astype(np.int64)
    iy = np.floor((y - y0) / cell).astype(np.int64)
    shape = (int(iy.max()) + 2, int(ix.max()) + 2)
    counts = np.bincount(iy * shape[1] + ix, minlength=shape[0] * shape[1]).reshape(shape)
    core = _hull_cells(hull, x0, y0, cell, shape) | (counts > 0)
    area = ndimage.binary_dilation(core, structure=np.ones((3, 3), dtype=bool))
    return StudyGrid(counts, np.asarray(area, dtype=bool), cell, x0, y0, ix, iy)


def study_grid(
    x: ArrayLike,
    y: ArrayLike,
    *,
    min_cell_m: float = DEFAULT_CELL_M,
    max_cells: int | None = None,
    cell_m: float | None = None,
) -> StudyGrid:
    """§7.1 grid: study area = cells inside the convex hull of the points buffered by one cell
    (never the bounding box); the cell size starts at ``min_cell_m`` and grows (whole metres)
    until the study area has at most ``max_cells`` cells (default max(400, N/2)). A given
    ``cell_m`` is used as it is (stability periods share the analysis grid's cell size)."""
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xa.size == 0:
        raise ValueError("a study grid needs at least one point")
    hull = _hull(xa, ya)
    if cell_m is not None:
        return _grid_on(xa, ya, hull, cell_m)
    limit = max_cells if max_cells is not None else max_area_cells(xa.size)
    # Start near the answer: the hull's area over the allowed cells (the buffer adds some).
    hull_area = float(hull.volume) if hull is not None else 0.0
    cell = float(max(min_cell_m, math.floor(math.sqrt(hull_area / limit))))
    while True:
        grid = _grid_on(xa, ya, hull, cell)
        if grid.n_cells <= limit:
            return grid
        # Cells scale with 1/side²: jump close to the answer, then creep up by at least 2%.
        cell = float(math.ceil(cell * max(1.02, math.sqrt(grid.n_cells / limit) * 0.99)))


def _box3(a: NDArray[Any]) -> NDArray[Any]:
    """Sum over each cell's 3×3 neighbourhood (cells beyond the edge count 0), over the last
    two axes: the binary queen weights including the cell, for one grid or a stack of them."""
    pad = [(0, 0)] * (a.ndim - 2) + [(1, 1), (1, 1)]
    p = np.pad(a, pad)
    rows = p[..., :-2, :] + p[..., 1:-1, :] + p[..., 2:, :]
    return np.asarray(rows[..., :-2] + rows[..., 1:-1] + rows[..., 2:])


def _gi_star_stack(
    counts: NDArray[Any], area: NDArray[np.bool_], w: FloatArray, scale: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Gi* z and neighbourhood counts of one grid or a stack of grids (zeros outside the study
    area) over the study area only: n = study cells, mean and population SD over them, weights
    = study-area neighbours (``w``), ``scale`` = √((n·w − w²)/(n − 1)). −inf outside the area."""
    n = int(area.sum())
    x = counts.astype(float)
    axes = (-2, -1)
    mean = x.sum(axis=axes, keepdims=True) / n
    sd = np.sqrt(np.maximum((x**2).sum(axis=axes, keepdims=True) / n - mean**2, 0.0))
    local = _box3(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, (local - mean * w) / (sd * scale), 0.0)
    return np.where(area, z, -np.inf), local


def gi_star_area(counts: ArrayLike, area: ArrayLike) -> FloatArray:
    """Gi* z of every study-area cell (queen weights including the cell, neighbours outside the
    study area left out; −inf outside it). With every cell in the area it equals :func:`gi_star`."""
    c = np.asarray(counts, dtype=float)
    a = np.asarray(area, dtype=bool)
    w, scale = _area_weights(a)
    z, _ = _gi_star_stack(np.where(a, c, 0.0), a, w, scale)
    return z


def _area_weights(area: NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
    n = int(area.sum())
    w = _box3(area.astype(float))
    scale = np.sqrt(np.maximum(n * w - w**2, 0.0) / max(n - 1, 1))
    return w, scale


@dataclass(frozen=True)
class NullHotSpots:
    """§7.1 Gi* hot spots judged against random placement of the same incidents.

    ``threshold`` is the Gi* z a hot cell must exceed: the 190th of the 199 sorted placement
    maxima (the 95th percentile, (R + 1)·0.95). ``null_hot`` holds the hot-cell count of each
    further placement judged by the same threshold."""

    z: FloatArray
    hot: NDArray[np.bool_]
    neighbourhood: FloatArray
    threshold: float
    n_hot: int
    null_hot: IntArray
    null_hot_mean: float
    null_hot_p95: float
    permutations: int
    seed: int
    study_area_cells: int
    n_incidents: int


def _hot_mask(z: FloatArray, local: FloatArray, threshold: float) -> NDArray[np.bool_]:
    return np.asarray((z > threshold) & (local >= MIN_NEIGHBOURHOOD_INCIDENTS - 1e-9), dtype=bool)


def _placed_grids(
    rng: np.random.Generator, area_idx: IntArray, shape: tuple[int, int], n: int, draws: int
) -> IntArray:
    """``draws`` uniform placements of ``n`` incidents over the study-area cells, as grids."""
    placed = uniform_placements(rng, area_idx.size, n, draws)
    grids = np.zeros((draws, shape[0] * shape[1]), dtype=np.int64)
    grids[:, area_idx] = placed
    return grids.reshape(draws, *shape)


def hot_spots_against_null(
    counts: ArrayLike,
    area: ArrayLike,
    *,
    seed: int = 0,
    permutations: int = HOT_PERMUTATIONS,
    check_placements: int = NULL_CHECK_PLACEMENTS,
) -> NullHotSpots:
    """§7.1: a study-area cell is hot when its Gi* z exceeds the 95th percentile of the largest
    Gi* z of each of ``permutations`` seeded uniform placements of the same N incidents over the
    study area, and its neighbourhood holds ≥ 3 incidents (family-wise over the map). The
    hot-cell counts of ``check_placements`` further placements, judged by the same threshold,
    give ``null_hot_mean`` and ``null_hot_p95``. Placements are drawn a block at a time."""
    a = np.asarray(area, dtype=bool)
    c = np.where(a, np.asarray(counts, dtype=np.int64), 0)
    n = int(c.sum())
    w, scale = _area_weights(a)
    z, local = _gi_star_stack(c, a, w, scale)
    area_idx = np.flatnonzero(a.ravel())
    work = max(n, a.size)
    rng = np.random.default_rng(seed)
    maxima: list[FloatArray] = []
    for size in _chunks(permutations, work):
        zs, _ = _gi_star_stack(_placed_grids(rng, area_idx, a.shape, n, size), a, w, scale)
        maxima.append(zs.reshape(size, -1).max(axis=1))
    ordered = np.sort(np.concatenate(maxima)) if maxima else np.zeros(0)
    rank = math.ceil(HOT_LEVEL * (permutations + 1))  # 190 of 199
    threshold = float(ordered[min(rank, ordered.size) - 1]) if ordered.size else float("inf")
    hot = _hot_mask(z, local, threshold)
    null_hot: list[IntArray] = []
    for size in _chunks(check_placements, work):
        zs, ls = _gi_star_stack(_placed_grids(rng, area_idx, a.shape, n, size), a, w, scale)
        null_hot.append(_hot_mask(zs, ls, threshold).reshape(size, -1).sum(axis=1))
    nh = np.concatenate(null_hot) if null_hot else np.zeros(0, dtype=np.int64)
    return NullHotSpots(
        z=z,
        hot=hot,
        neighbourhood=local,
        threshold=threshold,
        n_hot=int(hot.sum()),
        null_hot=nh,
        null_hot_mean=float(nh.mean()) if nh.size else float("nan"),
        null_hot_p95=float(np.percentile(nh, 95)) if nh.size else float("nan"),
        permutations=permutations,
        seed=seed,
        study_area_cells=int(a.sum()),
        n_incidents=n,
    )


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
