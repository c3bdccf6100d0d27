"""Display rounding rules (docs/metrics.md §1 "Display rounding").

Headline % integer; table % one decimal; rate ratio two decimals; p to two significant
digits or "<0.001". Rounding is half away from zero (not Python's banker's rounding) and
negative numbers use the Unicode minus sign, as in the docs/metrics.md sentences.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

MINUS = "\u2212"


def round_half_up(value: float, places: int = 0) -> float:
    """Round half away from zero to ``places`` decimals (docs/metrics.md §1 display rounding)."""
    q = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(q, rounding=ROUND_HALF_UP))


def _fmt(value: float, places: int) -> str:
    r = round_half_up(value, places)
    if r == 0:
        r = 0.0  # no "-0"
    text = f"{abs(r):.{places}f}"
    return f"{MINUS}{text}" if r < 0 else text


def format_pct_headline(value: float | None) -> str:
    """Headline percent: integer with %, e.g. "−25%" (docs/metrics.md §1). ``None`` → "—"."""
    if value is None:
        return "—"
    return f"{_fmt(value, 0)}%"


def format_pct_table(value: float | None) -> str:
    """Table percent: one decimal, e.g. "−25.0%"; 0 renders as "0.0%", never "N/A" (§1)."""
    if value is None:
        return "—"
    return f"{_fmt(value, 1)}%"


def format_signed_pct(value: float) -> str:
    """Integer percent with an explicit sign, e.g. "+61%" / "−87%" (docs/metrics.md §3.2)."""
    if math.isinf(value):
        return "+∞%" if value > 0 else f"{MINUS}∞%"
    text = _fmt(value, 0)
    return f"+{text}%" if round_half_up(value, 0) > 0 else f"{text}%"


def format_rate_ratio(value: float) -> str:
    """Rate ratio to two decimals, e.g. "0.75"; ∞ for an unbounded limit (docs/metrics.md §1)."""
    if math.isinf(value):
        return "∞"
    return _fmt(value, 2)


def format_p(p: float) -> str:
    """p to two significant digits, or "<0.001" (docs/metrics.md §1)."""
    if p < 0.001:
        return "<0.001"
    d = Decimal(repr(p))
    exponent = d.adjusted()  # position of the first significant digit
    q = Decimal(1).scaleb(exponent - 1)
    rounded = d.quantize(q, rounding=ROUND_HALF_UP)
    places = max(0, -(exponent - 1))
    return f"{rounded:.{places}f}"


def format_p_sentence(p: float) -> str:
    """p as it reads in a sentence: "p < 0.001" or "p = 0.28" (docs/metrics.md §3.2)."""
    text = format_p(p)
    return "p < 0.001" if text.startswith("<") else f"p = {text}"


def format_count(x: float) -> str:
    """A count with thousands separators ("1,588"); non-integers keep their decimals."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,g}"
