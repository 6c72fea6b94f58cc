"""Contact-center KPIs: what each one means, computed from sums the database adds up.

The database keeps one row of contact facts per closed conversation and aggregates them with
`GROUP BY (period bucket, dimension value)` into `FactSums`; AI-call latencies are counted into the
fixed buckets of `BUCKETS_MS` as a `LatencyHistogram`. Both are plain sums, so they merge exactly:
a whole period is the sum of its days, "other" the sum of the keys it stands for, and no KPI is
ever averaged from other KPIs. `kpis()` turns one such pair into the figures people read, and
`kpi_report()` turns the database's cells into a report.

Contracts:

* A ratio whose denominator is zero is None, never 0: "no data" must not look like "bad" (a queue
  without surveys has no CSAT, not a CSAT of 0). Every KPI names the count it rests on
  (`KpiDefinition.basis`), and `Kpis` carries those counts, so a reader can tell a rate from 3
  contacts from one from 3,000.
* FCR and repeat-contact rate look 7 days past each contact, so for contacts closed less than 7
  days before the facts were computed they are provisional: as those days pass, FCR can only fall
  and the repeat rate only rise.
* A report covers `[since, until)`. A period is named by its first day; weeks start on Monday
  (ISO 8601, as PostgreSQL's `date_trunc('week', ...)`).
"""

import bisect
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import reduce
from typing import Final

from cxops.analytics.costs import CostModel, LoadedCostModel, cost_per_interaction

BUCKETS_MS: Final[tuple[float, ...]] = (
    1,
    2,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
    1000,
    2000,
    5000,
    math.inf,
)
TOTAL_KEY: Final = "all"


class Dimension(StrEnum):
    """What a report breaks the contacts down by; `total` is no breakdown (one key, "all")."""

    TOTAL = "total"
    INTENT = "intent"
    QUEUE = "queue"
    CHANNEL = "channel"
    SEGMENT = "segment"
    AGENT = "agent"
    VARIANT = "variant"


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"


@dataclass(frozen=True, slots=True)
class FactSums:
    """Sums over the contact facts of one group of closed conversations (one SQL aggregate row).

    Counts are numbers of contacts unless named otherwise. `first_contact_resolved` and `repeated`
    look for a contact by the same customer on the same intent within 7 days after this one;
    `contained` is resolved with no person ever involved; `escalation_reasked` counts escalations
    where the person asked again for something the bot already had; `handle_seconds` sums, over
    `agent_handled` contacts, the seconds from assignment to close; `csat_sum` and `csat_count`
    cover survey answers from 1 to 5; `suggestions_used` are suggestions accepted or edited.
    """

    contacts: int = 0
    resolved: int = 0
    first_contact_resolved: int = 0
    repeated: int = 0
    transferred: int = 0
    contained: int = 0
    bot_started: int = 0
    escalated: int = 0
    escalation_reasked: int = 0
    agent_handled: int = 0
    handle_seconds: float = 0
    csat_sum: int = 0
    csat_count: int = 0
    suggestions_shown: int = 0
    suggestions_with_feedback: int = 0
    suggestions_used: int = 0
    bot_turns: int = 0
    agent_turns: int = 0
    customer_turns: int = 0
    generative_drafts: int = 0

    def __add__(self, other: "FactSums") -> "FactSums":
        return FactSums(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @classmethod
    def from_mapping(cls, row: Mapping[str, int | float | Decimal | None]) -> "FactSums":
        """Build from a SQL result row whose column labels are the field names.

        Extra columns (the group keys) are ignored; a missing field is a `ValueError`, so a typo
        in a column label fails instead of reading as 0. NULL (what `SUM` gives over no values) is
        0, and `Decimal` (what PostgreSQL's `SUM` of a bigint and `EXTRACT(EPOCH ...)` give) is
        converted, so the figures are plain ints and floats.
        """
        missing = [f.name for f in fields(cls) if f.name not in row]
        if missing:
            raise ValueError(f"contact fact sums lack {', '.join(missing)}")
        counts = {f.name: int(row[f.name] or 0) for f in fields(cls) if f.name != "handle_seconds"}
        return cls(handle_seconds=float(row["handle_seconds"] or 0), **counts)


@dataclass(frozen=True, slots=True)
class LatencyHistogram:
    """Counts of AI-call latencies: `counts[i]` holds those in `(bounds[i - 1], bounds[i]]` ms.

    Bounds are inclusive upper bounds, ascending and ending with infinity; the first bucket starts
    at 0. The SQL layer counts with the same rule, `CASE WHEN latency_ms <= b ...` over
    `BUCKETS_MS`, and keys the overflow bucket by infinity (PostgreSQL's `'Infinity'`).
    """

    counts: tuple[int, ...]
    bounds: tuple[float, ...] = BUCKETS_MS

    def __post_init__(self) -> None:
        if len(self.counts) != len(self.bounds):
            raise ValueError(f"{len(self.counts)} counts for {len(self.bounds)} latency buckets")
        if list(self.bounds) != sorted(set(self.bounds)) or self.bounds[-1] != math.inf:
            raise ValueError("latency bucket bounds must ascend and end with infinity")
        if self.bounds[0] <= 0 or any(count < 0 for count in self.counts):
            raise ValueError("latency bucket bounds must be positive and counts not negative")

    @classmethod
    def empty(cls, bounds: tuple[float, ...] = BUCKETS_MS) -> "LatencyHistogram":
        return cls((0,) * len(bounds), bounds)

    @classmethod
    def from_values(
        cls, latencies_ms: Iterable[float], bounds: tuple[float, ...] = BUCKETS_MS
    ) -> "LatencyHistogram":
        """Count `latencies_ms` into `bounds`, as the SQL layer does."""
        counts = [0] * len(bounds)
        for latency in latencies_ms:
            counts[bisect.bisect_left(bounds, latency)] += 1
        return cls(tuple(counts), bounds)

    @classmethod
    def from_buckets(
        cls, counts: Mapping[float, int], bounds: tuple[float, ...] = BUCKETS_MS
    ) -> "LatencyHistogram":
        """Build from `{upper bound: count}` (a SQL `GROUP BY bucket`); absent buckets are 0."""
        unknown = set(counts) - set(bounds)
        if unknown:
            raise ValueError(f"not latency bucket bounds: {sorted(unknown)}")
        return cls(tuple(int(counts.get(bound, 0)) for bound in bounds), bounds)

    @property
    def total(self) -> int:
        return sum(self.counts)

    def __add__(self, other: "LatencyHistogram") -> "LatencyHistogram":
        if self.bounds != other.bounds:
            raise ValueError("cannot merge latency histograms with different buckets")
        return LatencyHistogram(
            tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)), self.bounds
        )

    def quantile(self, q: float) -> float | None:
        """Estimate the `q`-quantile in ms, interpolating linearly inside its bucket; None if empty.

        The estimate and the true quantile (the ceil(q * n)-th smallest latency) lie in the same
        bucket, so the error is at most that bucket's width. A quantile in the overflow bucket is
        reported as the last finite bound, which is then a lower bound (Prometheus's
        `histogram_quantile` does the same).
        """
        if not 0 <= q <= 1:
            raise ValueError(f"quantile must be in [0, 1], not {q}")
        total = self.total
        if total == 0:
            return None
        rank = q * total
        cumulative = tuple(itertools.accumulate(self.counts))
        index = next(i for i, count in enumerate(self.counts) if count and cumulative[i] >= rank)
        upper = self.bounds[index]
        lower = self.bounds[index - 1] if index else 0.0
        if math.isinf(upper):
            return lower
        below = cumulative[index] - self.counts[index]
        return lower + (upper - lower) * (rank - below) / self.counts[index]


class Unit(StrEnum):
    """How a KPI's value is read: a share in [0, 1], a duration, a 1 to 5 score or an amount."""

    SHARE = "share"
    SECONDS = "seconds"
    MILLISECONDS = "milliseconds"
    SCORE = "score"
    MONEY = "money"


@dataclass(frozen=True, slots=True)
class Kpis:
    """The KPIs of one group, with the counts they rest on; None where a denominator is zero.

    Shares are in [0, 1]; `csat` is the mean answer on the 1 to 5 scale; `cost_per_interaction`
    is in the cost model's currency. `KPI_DEFINITIONS` says what each one means.
    """

    contacts: int
    agent_handled: int
    bot_started: int
    escalated: int
    csat_count: int
    suggestions_shown: int
    suggestions_with_feedback: int
    ai_calls: int
    aht_seconds: float | None
    fcr: float | None
    repeat_contact_rate: float | None
    transfer_rate: float | None
    containment: float | None
    escalation_rate: float | None
    escalation_success: float | None
    csat: float | None
    suggestion_acceptance: float | None
    ai_latency_p50_ms: float | None
    ai_latency_p95_ms: float | None
    cost_per_interaction: float | None


@dataclass(frozen=True, slots=True)
class KpiDefinition:
    """How to read one field of `Kpis`: its label, unit, definition and the count it rests on."""

    name: str
    label: str
    unit: Unit
    definition: str
    basis: str
    basis_label: str


KPI_DEFINITIONS: Final[tuple[KpiDefinition, ...]] = (
    KpiDefinition(
        "containment",
        "Containment",
        Unit.SHARE,
        "Share of closed contacts resolved without a person ever being involved.",
        "contacts",
        "contacts",
    ),
    KpiDefinition(
        "fcr",
        "First-contact resolution",
        Unit.SHARE,
        "Share of closed contacts resolved with no repeat contact by the same customer on the "
        "same intent within 7 days (provisional for the last 7 days).",
        "contacts",
        "contacts",
    ),
    KpiDefinition(
        "repeat_contact_rate",
        "Repeat contacts",
        Unit.SHARE,
        "Share of closed contacts followed by another contact from the same customer on the same "
        "intent within 7 days.",
        "contacts",
        "contacts",
    ),
    KpiDefinition(
        "transfer_rate",
        "Transfers",
        Unit.SHARE,
        "Share of closed contacts moved between queues at least once.",
        "contacts",
        "contacts",
    ),
    KpiDefinition(
        "escalation_rate",
        "Bot escalation",
        Unit.SHARE,
        "Share of contacts the bot handled first that it handed over to a person.",
        "bot_started",
        "bot-started contacts",
    ),
    KpiDefinition(
        "escalation_success",
        "Escalation success",
        Unit.SHARE,
        "Share of escalations where the person did not have to ask again for something the bot "
        "already had.",
        "escalated",
        "escalations",
    ),
    KpiDefinition(
        "csat",
        "CSAT",
        Unit.SCORE,
        "Mean answer to the satisfaction survey, from 1 (very dissatisfied) to 5 (very satisfied).",
        "csat_count",
        "survey answers",
    ),
    KpiDefinition(
        "aht_seconds",
        "Average handle time",
        Unit.SECONDS,
        "Mean time from a person's assignment to close, over contacts a person handled.",
        "agent_handled",
        "agent-handled contacts",
    ),
    KpiDefinition(
        "suggestion_acceptance",
        "Suggestion acceptance",
        Unit.SHARE,
        "Share of agent-assist suggestions with feedback that the agent accepted or edited.",
        "suggestions_with_feedback",
        "suggestions with feedback",
    ),
    KpiDefinition(
        "ai_latency_p50_ms",
        "AI latency p50",
        Unit.MILLISECONDS,
        "Median time an AI call took, estimated from latency buckets (within one bucket's width).",
        "ai_calls",
        "AI calls",
    ),
    KpiDefinition(
        "ai_latency_p95_ms",
        "AI latency p95",
        Unit.MILLISECONDS,
        "Time 95% of AI calls stayed within, estimated from latency buckets (within one bucket's "
        "width; beyond the last bucket, its bound).",
        "ai_calls",
        "AI calls",
    ),
    KpiDefinition(
        "cost_per_interaction",
        "Cost per interaction",
        Unit.MONEY,
        "Agent time at the cost per handled hour, plus bot replies, message triage and generative "
        "drafts at their unit costs, plus the platform cost per contact, over closed contacts.",
        "contacts",
        "contacts",
    ),
)
_ROUNDING: Final[Mapping[Unit, int]] = {
    Unit.SHARE: 4,
    Unit.SECONDS: 1,
    Unit.MILLISECONDS: 1,
    Unit.SCORE: 3,
    Unit.MONEY: 4,
}


def kpis(sums: FactSums, *, latency: LatencyHistogram, cost_model: CostModel) -> Kpis:
    """Compute the KPIs of one group from its sums and its AI-call latencies."""
    return Kpis(
        contacts=sums.contacts,
        agent_handled=sums.agent_handled,
        bot_started=sums.bot_started,
        escalated=sums.escalated,
        csat_count=sums.csat_count,
        suggestions_shown=sums.suggestions_shown,
        suggestions_with_feedback=sums.suggestions_with_feedback,
        ai_calls=latency.total,
        aht_seconds=_ratio(sums.handle_seconds, sums.agent_handled),
        fcr=_ratio(sums.first_contact_resolved, sums.contacts),
        repeat_contact_rate=_ratio(sums.repeated, sums.contacts),
        transfer_rate=_ratio(sums.transferred, sums.contacts),
        containment=_ratio(sums.contained, sums.contacts),
        escalation_rate=_ratio(sums.escalated, sums.bot_started),
        escalation_success=_ratio(sums.escalated - sums.escalation_reasked, sums.escalated),
        csat=_ratio(sums.csat_sum, sums.csat_count),
        suggestion_acceptance=_ratio(sums.suggestions_used, sums.suggestions_with_feedback),
        ai_latency_p50_ms=latency.quantile(0.5),
        ai_latency_p95_ms=latency.quantile(0.95),
        cost_per_interaction=cost_per_interaction(sums, cost_model),
    )


@dataclass(frozen=True, slots=True)
class KpiRow:
    """The KPIs of one key in one period, or over the whole report when `period_start` is None.

    `sums` and `latency` are what `kpis` was computed from, kept so rows can be merged exactly.
    """

    period_start: date | None
    dimension: Dimension
    key: str
    kpis: Kpis
    sums: FactSums
    latency: LatencyHistogram


@dataclass(frozen=True, slots=True)
class KpiReport:
    """KPIs over `[since, until)` per period and key, and per key over the whole report.

    `rows` holds the whole-report rows (`period_start` None) first, by contacts descending, then
    the period rows by period and key.
    """

    since: datetime
    until: datetime
    granularity: Granularity
    dimension: Dimension
    rows: tuple[KpiRow, ...]
    cost_model: LoadedCostModel

    @property
    def cost_model_version(self) -> str:
        return self.cost_model.version_label

    def totals(self) -> tuple[KpiRow, ...]:
        """Return the whole-report row of each key, by contacts descending."""
        return tuple(row for row in self.rows if row.period_start is None)

    def periods(self) -> tuple[date, ...]:
        """Return the first day of every period that has a row, ascending."""
        return tuple(
            sorted({row.period_start for row in self.rows if row.period_start is not None})
        )


def kpi_report(
    *,
    since: datetime,
    until: datetime,
    granularity: Granularity,
    dimension: Dimension,
    sums: Mapping[tuple[date, str], FactSums],
    latency: Mapping[tuple[date, str], LatencyHistogram],
    cost_model: LoadedCostModel,
) -> KpiReport:
    """Build a report from the database's cells, keyed by (period start, dimension value).

    `sums` and `latency` come from separate aggregates and may hold different cells: a cell
    missing from one is empty there. The whole-report row of each key is the sum of its cells.
    """
    if since >= until:
        raise ValueError(f"a report needs since < until, not {since} .. {until}")
    cells = {
        cell: (sums.get(cell, FactSums()), latency.get(cell, LatencyHistogram.empty()))
        for cell in sums.keys() | latency.keys()
    }
    by_key: dict[str, list[tuple[FactSums, LatencyHistogram]]] = defaultdict(list)
    for (_, key), parts in cells.items():
        by_key[key].append(parts)
    period_rows = [
        _row(start, dimension, key, *parts, cost_model=cost_model)
        for (start, key), parts in sorted(cells.items())
    ]
    total_rows = [
        _row(None, dimension, key, *_merge(parts), cost_model=cost_model)
        for key, parts in by_key.items()
    ]
    return KpiReport(
        since=since,
        until=until,
        granularity=granularity,
        dimension=dimension,
        rows=(*_by_contacts(total_rows), *period_rows),
        cost_model=cost_model,
    )


def collapse_keys(report: KpiReport, *, top: int = 6) -> KpiReport:
    """Keep the `top` keys with most contacts over the report and merge the rest into one key.

    The merged key is named `other (N keys)`, which no real key is likely to be; its whole-report
    row comes after the kept keys' rows, and its rows are computed from the merged sums, so they
    are exact. With at most `top + 1` keys nothing changes:
    merging one key would only rename it.
    """
    totals = report.totals()
    if len(totals) <= top + 1:
        return report
    kept = {row.key for row in totals[:top]}
    other = f"other ({len(totals) - top} keys)"
    merged: dict[date | None, list[tuple[FactSums, LatencyHistogram]]] = defaultdict(list)
    for row in report.rows:
        if row.key not in kept:
            merged[row.period_start].append((row.sums, row.latency))
    rows = {
        start: _row(start, report.dimension, other, *_merge(parts), cost_model=report.cost_model)
        for start, parts in merged.items()
    }
    collapsed = [row for row in report.rows if row.key in kept]
    return replace(
        report,
        rows=(
            *_by_contacts([row for row in collapsed if row.period_start is None]),
            rows.pop(None),
            *sorted(
                [row for row in collapsed if row.period_start is not None] + list(rows.values()),
                key=lambda row: (row.period_start, row.key),
            ),
        ),
    )


def to_json(report: KpiReport) -> dict[str, object]:
    """Return the report as JSON-ready data: ISO dates, floats rounded per unit, None as null."""
    return {
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "granularity": str(report.granularity),
        "dimension": str(report.dimension),
        "cost_model_version": report.cost_model_version,
        "currency": report.cost_model.model.currency,
        "rows": [
            {
                "period_start": row.period_start.isoformat()
                if row.period_start is not None
                else None,
                "key": row.key,
                "kpis": _kpis_json(row.kpis),
            }
            for row in report.rows
        ],
    }


def _kpis_json(values: Kpis) -> dict[str, object]:
    data: dict[str, object] = {f.name: getattr(values, f.name) for f in fields(values)}
    for definition in KPI_DEFINITIONS:
        value = data[definition.name]
        if isinstance(value, float):
            data[definition.name] = round(value, _ROUNDING[definition.unit])
    return data


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _merge(
    parts: Sequence[tuple[FactSums, LatencyHistogram]],
) -> tuple[FactSums, LatencyHistogram]:
    return reduce(lambda a, b: (a[0] + b[0], a[1] + b[1]), parts)


def _row(
    start: date | None,
    dimension: Dimension,
    key: str,
    sums: FactSums,
    latency: LatencyHistogram,
    *,
    cost_model: LoadedCostModel,
) -> KpiRow:
    values = kpis(sums, latency=latency, cost_model=cost_model.model)
    return KpiRow(start, dimension, key, values, sums, latency)


def _by_contacts(rows: Iterable[KpiRow]) -> list[KpiRow]:
    return sorted(rows, key=lambda row: (-row.kpis.contacts, row.key))
