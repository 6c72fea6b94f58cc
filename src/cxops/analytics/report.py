"""KPI reports as pictures: a PNG grid of trend charts, and a self-contained HTML page.

Both draw the same figure: one chart per KPI in `CHARTED`, one point per period, one line per
key. A breakdown with many keys keeps the `TOP_KEYS` with most contacts and merges the rest into
one "other" line (`collapse_keys`), so the charts stay readable; the HTML table still lists every
key. A KPI without data in a period leaves a gap in its line rather than a drop to zero.

Drawing uses the Agg canvas directly: no display, no global pyplot state. The HTML page needs
nothing from the network (the figure is an inline base64 PNG), so it can be mailed or archived,
and every piece of text in it is escaped.
"""

import base64
import html
import io
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, time, timedelta
from pathlib import Path
from typing import Final

from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MultipleLocator, PercentFormatter

from cxops.analytics.kpis import (
    KPI_DEFINITIONS,
    Dimension,
    Granularity,
    KpiDefinition,
    KpiReport,
    KpiRow,
    Unit,
    collapse_keys,
)

CHARTED: Final = (
    "containment",
    "fcr",
    "escalation_success",
    "csat",
    "aht_seconds",
    "ai_latency_p50_ms",
    "ai_latency_p95_ms",
    "suggestion_acceptance",
    "cost_per_interaction",
)
TOP_KEYS: Final = 6
OTHER_COLOUR: Final = 7  # grey in tab10: the merged keys are a remainder, not a key to follow
LABEL_CHARS: Final = 32
MAX_TICKS: Final = 8
PERIOD_DAYS: Final = {Granularity.DAY: 1, Granularity.WEEK: 7}
_DEFINITIONS: Final = {definition.name: definition for definition in KPI_DEFINITIONS}
_STYLE: Final = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f2f2f2; }
img { max-width: 100%; height: auto; }
.meta, .note { color: #555; }
dt { font-weight: 600; margin-top: 0.5rem; }
"""


def render_png(report: KpiReport, path: Path) -> Path:
    """Draw the report's trend charts to a PNG at `path`; return `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _figure(report).savefig(path, format="png")
    return path


def render_html(report: KpiReport) -> str:
    """Return a self-contained HTML page: the period, a table per key, the charts, definitions."""
    image = io.BytesIO()
    _figure(report).savefig(image, format="png")
    picture = base64.b64encode(image.getvalue()).decode("ascii")
    currency = report.cost_model.model.currency
    meta = (
        f"{_period(report)}, by {report.granularity}; breakdown: {report.dimension}; "
        f"cost model {report.cost_model_version} ({currency})."
    )
    caption = _text(_caption(report))
    definitions = "".join(
        f"<dt>{_text(definition.label)}</dt><dd>{_text(definition.definition)}</dd>"
        for definition in KPI_DEFINITIONS
    )
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Contact-center KPIs, {_text(_period(report))}</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n"
        "<h1>Contact-center KPIs</h1>\n"
        f'<p class="meta">{_text(meta)}</p>\n'
        "<h2>Whole period</h2>\n"
        f"{_table(report)}\n"
        '<p class="note">&mdash; means no data: nothing to divide by, which is not the same as '
        "a bad result. Hover over a value for the count it rests on.</p>\n"
        "<h2>Trends</h2>\n"
        f'<img alt="{caption}" src="data:image/png;base64,{picture}">\n'
        f'<p class="note">{caption}</p>\n'
        "<h2>How each KPI is defined</h2>\n"
        f"<dl>{definitions}</dl>\n"
        "</body>\n</html>\n"
    )


def _figure(report: KpiReport) -> Figure:
    shown = collapse_keys(report, top=TOP_KEYS)
    keys = [row.key for row in shown.totals()]
    step = PERIOD_DAYS[report.granularity]
    timeline = _timeline(shown.periods(), step=step)
    cells: dict[str, dict[date, KpiRow]] = defaultdict(dict)
    for row in shown.rows:
        if row.period_start is not None:
            cells[row.key][row.period_start] = row
    palette = colormaps["tab10"]
    merged = len(keys) < len(report.totals())
    figure = Figure(figsize=(15, 11), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    grid = figure.subplots(3, 3, squeeze=False)
    lines: list[Line2D] = []
    for axes, name in zip(grid.flat, CHARTED, strict=True):
        drawn = False
        for index, key in enumerate(keys):
            values = [
                _nan_if_none(getattr(cells[key][start].kpis, name))
                if start in cells[key]
                else math.nan
                for start in timeline
            ]
            drawn = drawn or any(not math.isnan(value) for value in values)
            colour = palette(OTHER_COLOUR if merged and key == keys[-1] else index)
            (line,) = axes.plot(
                [(start - timeline[0]).days for start in timeline],
                values,
                marker="o",
                markersize=3,
                color=colour,
            )
            lines.append(line)
        _format(axes, _DEFINITIONS[name], currency=report.cost_model.model.currency)
        _date_axis(axes, timeline, step=step)
        if not drawn:
            axes.set_yticks([])
            axes.text(0.5, 0.5, "no data", ha="center", va="center", transform=axes.transAxes)
    figure.suptitle(f"Contact-center KPIs, {_period(report)}, by {report.granularity}")
    if report.dimension is not Dimension.TOTAL and keys:
        figure.legend(
            lines[: len(keys)],
            [_label(key) for key in keys],
            loc="outside lower center",
            ncols=min(len(keys), 4),
            title=str(report.dimension),
        )
    return figure


def _timeline(periods: Sequence[date], *, step: int) -> list[date]:
    """Every period from the first to the last, so a period without rows leaves a gap."""
    if not periods:
        return []
    count = (periods[-1] - periods[0]).days // step + 1
    every = {periods[0] + timedelta(days=step * i) for i in range(count)}
    return sorted(every | set(periods))


def _date_axis(axes: Axes, timeline: Sequence[date], *, step: int) -> None:
    """Put periods on x as days after the first, at most about `MAX_TICKS` labelled ones."""
    if not timeline:
        axes.set_xticks([])
        return
    span = (timeline[-1] - timeline[0]).days
    axes.set_xlim(-step / 2, span + step / 2)
    axes.xaxis.set_major_locator(MultipleLocator(step * math.ceil(len(timeline) / MAX_TICKS)))
    axes.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _: (timeline[0] + timedelta(days=round(x))).isoformat())
    )


def _format(axes: Axes, definition: KpiDefinition, *, currency: str) -> None:
    title = definition.label
    if definition.unit is Unit.SHARE:
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    elif definition.unit is Unit.SECONDS:
        title += " (s)"
    elif definition.unit is Unit.MILLISECONDS:
        title += " (ms)"
    elif definition.unit is Unit.SCORE:
        title += " (1-5)"
    else:
        title += f" ({currency})"
    axes.set_title(title, fontsize=11)
    axes.tick_params(axis="x", labelrotation=30, labelsize=8)
    axes.grid(alpha=0.3)


def _table(report: KpiReport) -> str:
    currency = report.cost_model.model.currency
    header = "".join(
        f"<th>{_text(label)}</th>"
        for label in (
            str(report.dimension).capitalize(),
            "Contacts",
            *(d.label for d in KPI_DEFINITIONS),
        )
    )
    body = "".join(
        f"<tr><td>{_text(_key(row.key))}</td><td>{row.kpis.contacts:,}</td>"
        + "".join(_cell(row, definition, currency=currency) for definition in KPI_DEFINITIONS)
        + "</tr>\n"
        for row in report.totals()
    )
    return f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"


def _cell(row: KpiRow, definition: KpiDefinition, *, currency: str) -> str:
    value: float | None = getattr(row.kpis, definition.name)
    basis = f"{getattr(row.kpis, definition.basis):,} {definition.basis_label}"
    if value is None:
        shown = "\u2014"
    elif definition.unit is Unit.SHARE:
        shown = f"{value:.1%}"
    elif definition.unit is Unit.SECONDS:
        shown = f"{value:,.0f} s"
    elif definition.unit is Unit.MILLISECONDS:
        shown = f"{value:,.0f} ms"
    elif definition.unit is Unit.SCORE:
        shown = f"{value:.2f}"
    else:
        shown = f"{value:,.2f} {currency}"
    return f'<td title="{_text(basis)}">{_text(shown)}</td>'


def _caption(report: KpiReport) -> str:
    lines = collapse_keys(report, top=TOP_KEYS).totals()
    if report.dimension is Dimension.TOTAL:
        return f"Trends of {len(CHARTED)} KPIs per {report.granularity}, all contacts."
    kept = {row.key for row in lines}
    shown = [_key(row.key) for row in lines]
    merged = [_key(row.key) for row in report.totals() if row.key not in kept]
    caption = f"Trends of {len(CHARTED)} KPIs per {report.granularity}, one line per "
    caption += f"{report.dimension}: {', '.join(shown)}"
    if merged:
        caption += f"; {shown[-1]} is {', '.join(merged)}"
    return caption + "."


def _period(report: KpiReport) -> str:
    """Name the report's span; whole days as first and last day, since `until` is exclusive."""
    since, until = report.since, report.until
    zone = f" ({since.tzname()})" if since.tzname() else ""
    if since.time() == until.time() == time():
        last = (until - timedelta(days=1)).date()
        days = f"{since.date()}" if last == since.date() else f"{since.date()} to {last}"
        return days + zone
    start = since.isoformat(sep=" ", timespec="minutes")
    end = until.isoformat(sep=" ", timespec="minutes")
    return f"{start} to {end} (end excluded)"


def _text(text: str) -> str:
    return html.escape(text, quote=True)


def _key(key: str) -> str:
    """Name a key for people: the empty key (no value in that dimension) as "(none)"."""
    return key or "(none)"


def _label(key: str) -> str:
    """Name a key in a chart: shortened, `$` escaped so matplotlib never reads it as mathtext."""
    text = _key(key)
    if len(text) > LABEL_CHARS:
        text = text[: LABEL_CHARS - 1] + "\u2026"
    return text.replace("$", r"\$")


def _nan_if_none(value: float | None) -> float:
    return math.nan if value is None else value
