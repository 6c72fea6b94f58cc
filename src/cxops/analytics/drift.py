"""Drift: is this week's traffic, and the model's view of it, still like the traffic we know?

Three questions, each answered from plain counts or numbers so the engine does no I/O:

* **Mix drift** (intent mix, language mix, model confidence): the population stability index
  `PSI = sum over bins of (c - b) * ln(c / b)`, where `b` and `c` are the shares of the baseline
  and current windows in each bin. Categorical mixes use the union of both windows' categories;
  confidence is cut at the baseline's quantiles (deciles by default), so every bin holds about the
  same share of the baseline and a shift shows wherever it happens.
* **Out-of-scope rise**: a one-sided test of whether the out-of-scope rate went up, so a rate that
  wobbles with volume does not page anyone.
* **Accuracy against human labels**: the weekly sample of triage and QA results that people
  re-label, with a Wilson interval, which stays inside [0, 1] and is honest for small samples
  where the normal approximation is not.

Empty bins: a share of zero makes `ln(c / b)` infinite, so every share below `epsilon` is raised
to `epsilon` (default 1e-4) before the sum; the reported shares stay unsmoothed. A category that
exists in one window only therefore adds about `share * ln(share / epsilon)`: a new intent taking
1% of traffic adds 0.046, one taking 5% adds 0.31. The choice of `epsilon` matters only for such
categories; it is a keyword argument so a deployment can pin it.

Levels: PSI below 0.1 is stable, below 0.25 moderate, above that significant. These cut-offs are
a common industry rule of thumb (from credit-scoring practice), not a statistical test; they are
passed in as `DriftThresholds`, so a deployment can set its own.

Sample size: even two samples of one distribution differ, and their PSI averages about
`(k - 1) * (1/n_baseline + 1/n_current)` for `k` bins (PSI is, to second order, a chi-square
statistic divided by n). With ten bins and 500 observations in each window that is 0.036, well
under the 0.1 line; with 100 it is 0.18, which would read as moderate drift out of pure noise.
So a window with fewer than `min_count` observations (default 500) gets a report marked
`insufficient_data`, with no PSI and no level, and so no metric to alert on.
"""

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist
from typing import Final

import numpy as np

DEFAULT_EPSILON: Final = 1e-4
DEFAULT_MIN_COUNT: Final = 500
DEFAULT_TOP: Final = 5


class DriftLevel(StrEnum):
    STABLE = "stable"
    MODERATE = "moderate"
    SIGNIFICANT = "significant"


@dataclass(frozen=True, slots=True)
class DriftThresholds:
    """PSI at or above `moderate` is moderate drift, at or above `significant` significant.

    The defaults, 0.1 and 0.25, are the common industry rule of thumb for PSI.
    """

    moderate: float = 0.1
    significant: float = 0.25

    def __post_init__(self) -> None:
        if not 0 < self.moderate <= self.significant:
            raise ValueError("drift thresholds need 0 < moderate <= significant")

    def level(self, psi: float) -> DriftLevel:
        """Return the drift level of `psi`."""
        if psi < self.moderate:
            return DriftLevel.STABLE
        if psi < self.significant:
            return DriftLevel.MODERATE
        return DriftLevel.SIGNIFICANT


@dataclass(frozen=True, slots=True)
class CategoryShift:
    """One bin's shares in each window (unsmoothed) and its part of the PSI."""

    category: str
    baseline_share: float
    current_share: float
    contribution: float


@dataclass(frozen=True, slots=True)
class DriftReport:
    """The drift of one dimension (`name`, e.g. `intent_mix`) between two windows.

    With `insufficient_data`, `psi` and `level` are None and `top` is empty. Otherwise `top` holds
    the bins that contribute most to the PSI, largest first, leaving out those that contribute
    nothing.
    """

    name: str
    psi: float | None
    level: DriftLevel | None
    baseline_n: int
    current_n: int
    top: tuple[CategoryShift, ...]
    insufficient_data: bool

    def metrics(self) -> dict[str, float]:
        """Return `{"drift.<name>.psi": psi}` for the alert rules; nothing without enough data."""
        return {} if self.psi is None else {f"drift.{self.name}.psi": self.psi}


@dataclass(frozen=True, slots=True)
class RateRise:
    """The outcome of `out_of_scope_rise`: z statistic, one-sided p-value and the verdict."""

    baseline_rate: float
    current_rate: float
    z: float
    p_value: float
    rising: bool


@dataclass(frozen=True, slots=True)
class Accuracy:
    """`correct` of `total` agreed with the human label; `low`..`high` is the Wilson interval."""

    correct: int
    total: int
    accuracy: float
    low: float
    high: float


def psi(
    baseline: Mapping[str, int], current: Mapping[str, int], *, epsilon: float = DEFAULT_EPSILON
) -> float:
    """Return the PSI between two categorical distributions given as counts per category."""
    categories = sorted(set(baseline) | set(current))
    return math.fsum(
        shift.contribution
        for shift in _shifts(
            categories,
            [baseline.get(c, 0) for c in categories],
            [current.get(c, 0) for c in categories],
            epsilon=epsilon,
        )
    )


def psi_numeric(
    baseline: Sequence[float],
    current: Sequence[float],
    *,
    bins: int = 10,
    epsilon: float = DEFAULT_EPSILON,
) -> float:
    """Return the PSI of `current` against `baseline`, binned at the baseline's quantiles."""
    labels, baseline_counts, current_counts = _quantile_bins(baseline, current, bins=bins)
    return math.fsum(
        s.contribution for s in _shifts(labels, baseline_counts, current_counts, epsilon=epsilon)
    )


def drift_report(
    name: str,
    baseline: Mapping[str, int],
    current: Mapping[str, int],
    *,
    thresholds: DriftThresholds = DriftThresholds(),
    min_count: int = DEFAULT_MIN_COUNT,
    top: int = DEFAULT_TOP,
    epsilon: float = DEFAULT_EPSILON,
) -> DriftReport:
    """Report the drift of a categorical mix (counts per category) between two windows."""
    _check_report_options(min_count=min_count, top=top)
    categories = sorted(set(baseline) | set(current))
    return _report(
        name,
        categories,
        [baseline.get(c, 0) for c in categories],
        [current.get(c, 0) for c in categories],
        thresholds=thresholds,
        min_count=min_count,
        top=top,
        epsilon=epsilon,
    )


def numeric_drift_report(
    name: str,
    baseline: Sequence[float],
    current: Sequence[float],
    *,
    bins: int = 10,
    thresholds: DriftThresholds = DriftThresholds(),
    min_count: int = DEFAULT_MIN_COUNT,
    top: int = DEFAULT_TOP,
    epsilon: float = DEFAULT_EPSILON,
) -> DriftReport:
    """Report the drift of a number (e.g. model confidence) between two windows.

    The bins of `top` are named by their interval, e.g. `[0.62, 0.71)`.
    """
    _check_report_options(min_count=min_count, top=top)
    if len(baseline) < min_count or len(current) < min_count:
        return _insufficient(name, len(baseline), len(current))
    labels, baseline_counts, current_counts = _quantile_bins(baseline, current, bins=bins)
    return _report(
        name,
        labels,
        baseline_counts,
        current_counts,
        thresholds=thresholds,
        min_count=min_count,
        top=top,
        epsilon=epsilon,
    )


def out_of_scope_rise(
    *,
    baseline_rate: float,
    current_rate: float,
    n_current: int,
    n_baseline: int | None = None,
    alpha: float = 0.01,
    min_rise: float = 0.01,
) -> RateRise:
    """Test whether the out-of-scope rate rose; `rising` needs significance and a real rise.

    With `n_baseline`, a one-sided pooled two-proportion z-test, which accounts for the noise in
    both windows. Without it the baseline is taken as a known rate (a long history or a target)
    and the current window gets a one-sample score test against it. `rising` holds when the
    p-value is below `alpha` and the rate went up by at least `min_rise` (absolute), so a tiny
    rise on huge volume does not alert either. `alpha` defaults to 0.01 rather than 0.05 because
    the check runs every window, and repeated looks multiply false alarms.
    """
    for rate in (baseline_rate, current_rate):
        if not 0 <= rate <= 1:
            raise ValueError(f"a rate must be within [0, 1], got {rate}")
    if n_current < 0 or (n_baseline is not None and n_baseline <= 0):
        raise ValueError("window sizes must be positive")
    if n_current == 0:
        return RateRise(baseline_rate, current_rate, 0.0, 1.0, rising=False)
    if n_baseline is None:
        variance = baseline_rate * (1 - baseline_rate) / n_current
    else:
        pooled = (baseline_rate * n_baseline + current_rate * n_current) / (n_baseline + n_current)
        variance = pooled * (1 - pooled) * (1 / n_baseline + 1 / n_current)
    difference = current_rate - baseline_rate
    if variance == 0:
        z = math.copysign(math.inf, difference) if difference else 0.0
    else:
        z = difference / math.sqrt(variance)
    p_value = 0.5 * math.erfc(z / math.sqrt(2))
    return RateRise(
        baseline_rate,
        current_rate,
        z,
        p_value,
        rising=p_value < alpha and difference >= min_rise,
    )


def wilson_interval(successes: int, total: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Return the Wilson score interval of `successes / total`; exactly 0 or 1 at the extremes."""
    if total <= 0 or not 0 <= successes <= total:
        raise ValueError("need 0 <= successes <= total and total > 0")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be within (0, 1)")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    share = successes / total
    denominator = 1 + z * z / total
    centre = (share + z * z / (2 * total)) / denominator
    half = z / denominator * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == total else min(1.0, centre + half)
    return low, high


def accuracy_vs_labels(pairs: Iterable[tuple[str, str]], *, confidence: float = 0.95) -> Accuracy:
    """Return the share of `(predicted, human_label)` pairs that agree, with its Wilson interval.

    Labels are compared exactly. An empty sample has no accuracy and raises `ValueError`.
    """
    total = correct = 0
    for predicted, label in pairs:
        total += 1
        correct += predicted == label
    if total == 0:
        raise ValueError("no labelled pairs to measure accuracy on")
    low, high = wilson_interval(correct, total, confidence=confidence)
    return Accuracy(correct, total, correct / total, low, high)


def accuracy_drop(baseline: Accuracy, current: Accuracy) -> bool:
    """Return whether accuracy fell: current's whole interval lies below baseline's estimate.

    The baseline is usually pooled over many weeks, so its point estimate is well determined; a
    small weekly sample then has to be clearly worse, not just unlucky, before this flags.
    """
    return current.high < baseline.accuracy


def _quantile_bins(
    baseline: Sequence[float], current: Sequence[float], *, bins: int
) -> tuple[list[str], list[int], list[int]]:
    """Cut both samples at the baseline's quantiles; each bin is `[edge, next edge)`.

    Ties collapse equal edges, so a baseline with many identical values (a confidence of exactly
    1.0, or a constant) gets fewer, wider bins and its repeated value a bin of its own.
    """
    if bins < 2:
        raise ValueError("numeric drift needs at least two bins")
    base = np.asarray(baseline, dtype=float)
    now = np.asarray(current, dtype=float)
    if base.size == 0 or now.size == 0:
        raise ValueError("both windows need at least one value")
    if not (np.isfinite(base).all() and np.isfinite(now).all()):
        raise ValueError("values must be finite numbers")
    edges = np.unique(np.quantile(base, np.linspace(0, 1, bins + 1)[1:-1]))
    bounds = [-math.inf, *edges.tolist(), math.inf]
    labels = [
        f"{'(' if low == -math.inf else '['}{low:.4g}, {high:.4g})"
        for low, high in itertools.pairwise(bounds)
    ]
    size = len(labels)
    baseline_counts = np.bincount(np.searchsorted(edges, base, side="right"), minlength=size)
    current_counts = np.bincount(np.searchsorted(edges, now, side="right"), minlength=size)
    return labels, baseline_counts.tolist(), current_counts.tolist()


def _shifts(
    labels: Sequence[str],
    baseline_counts: Sequence[int],
    current_counts: Sequence[int],
    *,
    epsilon: float,
) -> list[CategoryShift]:
    if not 0 < epsilon < 1:
        raise ValueError("epsilon must be within (0, 1)")
    if any(count < 0 for count in (*baseline_counts, *current_counts)):
        raise ValueError("counts must not be negative")
    baseline_total, current_total = sum(baseline_counts), sum(current_counts)
    if baseline_total == 0 or current_total == 0:
        raise ValueError("both windows need at least one observation")
    shifts = []
    for label, b_count, c_count in zip(labels, baseline_counts, current_counts, strict=True):
        b_share, c_share = b_count / baseline_total, c_count / current_total
        b_smooth, c_smooth = max(b_share, epsilon), max(c_share, epsilon)
        contribution = (c_smooth - b_smooth) * math.log(c_smooth / b_smooth)
        shifts.append(CategoryShift(label, b_share, c_share, contribution))
    return shifts


def _report(
    name: str,
    labels: Sequence[str],
    baseline_counts: Sequence[int],
    current_counts: Sequence[int],
    *,
    thresholds: DriftThresholds,
    min_count: int,
    top: int,
    epsilon: float,
) -> DriftReport:
    baseline_n, current_n = sum(baseline_counts), sum(current_counts)
    if baseline_n < min_count or current_n < min_count:
        return _insufficient(name, baseline_n, current_n)
    shifts = _shifts(labels, baseline_counts, current_counts, epsilon=epsilon)
    value = math.fsum(s.contribution for s in shifts)
    largest = sorted((s for s in shifts if s.contribution > 0), key=lambda s: -s.contribution)
    return DriftReport(
        name=name,
        psi=value,
        level=thresholds.level(value),
        baseline_n=baseline_n,
        current_n=current_n,
        top=tuple(largest[:top]),
        insufficient_data=False,
    )


def _check_report_options(*, min_count: int, top: int) -> None:
    if min_count < 1:
        raise ValueError("min_count must be at least 1")
    if top < 0:
        raise ValueError("top must not be negative")


def _insufficient(name: str, baseline_n: int, current_n: int) -> DriftReport:
    return DriftReport(name, None, None, baseline_n, current_n, (), insufficient_data=True)
