"""Random-effects pooling of the sites' log rate ratios (docs/metrics.md §8.4).

``random_effects(log_rr, var, method="DL" | "REML")``: DerSimonian–Laird's moment estimator of
the between-site variance τ², or restricted maximum likelihood (REML, the profile likelihood
maximised by scipy's bounded scalar search). statsmodels' ``combine_effects`` offers DL and
Paule–Mandel but not REML, so both are written here and the tests check DL against it as an
independent computation, and both against the published BCG figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, stats

Method = Literal["DL", "REML"]


@dataclass(frozen=True)
class PooledEstimate:
    """A pooled log rate ratio with its heterogeneity (exp(estimate) is the pooled ratio)."""

    estimate: float
    se: float
    tau2: float
    i2: float
    q: float
    k: int
    method: str
    ci_low: float
    ci_high: float

    @property
    def p(self) -> float:
        return float(2 * stats.norm.sf(abs(self.estimate) / self.se))


def _weighted_mean(y: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * y) / np.sum(w))


def _reml_neg_loglik(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    w = 1.0 / (v + tau2)
    mu = _weighted_mean(y, w)
    return 0.5 * float(np.sum(np.log(v + tau2)) + math.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))


def random_effects(
    log_rr: Sequence[float], var: Sequence[float], method: Method = "DL", conf: float = 0.95
) -> PooledEstimate:
    """Pooled estimate, its SE, τ², I² (%), Cochran's Q; Wald CI on the log scale."""
    y = np.asarray(log_rr, dtype=float)
    v = np.asarray(var, dtype=float)
    if len(y) != len(v) or len(y) < 1:
        raise ValueError("log_rr and var must be non-empty and of equal length")
    if np.any(v <= 0) or not np.all(np.isfinite(y)):
        raise ValueError("variances must be positive and estimates finite")
    k = len(y)
    w_fixed = 1.0 / v
    q = float(np.sum(w_fixed * (y - _weighted_mean(y, w_fixed)) ** 2))
    df = k - 1
    i2 = 100.0 * max(0.0, (q - df) / q) if q > 0 and df > 0 else 0.0
    if k == 1:
        tau2 = 0.0
    elif method == "DL":
        c = float(np.sum(w_fixed) - np.sum(w_fixed**2) / np.sum(w_fixed))
        tau2 = max(0.0, (q - df) / c)
    elif method == "REML":
        upper = max(10.0 * float(np.var(y, ddof=1)), 1e-8) + 10.0 * float(v.max())
        res = optimize.minimize_scalar(
            _reml_neg_loglik,
            bounds=(0.0, upper),
            args=(y, v),
            method="bounded",
            options={"xatol": 1e-12},
        )
        tau2 = float(res.x)
        if _reml_neg_loglik(0.0, y, v) <= res.fun:
            tau2 = 0.0
    else:
        raise ValueError("method must be 'DL' or 'REML'")
    w = 1.0 / (v + tau2)
    estimate = _weighted_mean(y, w)
    se = math.sqrt(1.0 / float(np.sum(w)))
    z = float(stats.norm.ppf(0.5 + conf / 2))
    return PooledEstimate(
        estimate=estimate,
        se=se,
        tau2=tau2,
        i2=i2,
        q=q,
        k=k,
        method=method,
        ci_low=estimate - z * se,
        ci_high=estimate + z * se,
    )


__all__ = ["PooledEstimate", "random_effects"]
