import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from cxops.analytics.costs import default_cost_model
from cxops.analytics.kpis import (
    KPI_DEFINITIONS,
    Dimension,
    FactSums,
    Granularity,
    KpiReport,
    LatencyHistogram,
    kpi_report,
)
from cxops.analytics.report import render_html, render_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SINCE = datetime(2026, 11, 2, tzinfo=UTC)
DAYS = [date(2026, 11, 2) + timedelta(days=i) for i in range(14)]
SCRIPT_KEY = "<script>alert('x')</script>"
KEYS = ["order_status", "return_item", SCRIPT_KEY, "refund_status", "cancel_order", "a$b$c"]
SMALL_KEYS = ["payment_issue", "warranty & repair"]


def daily_report(keys: list[str], *, dimension: Dimension = Dimension.INTENT) -> KpiReport:
    sums: dict[tuple[date, str], FactSums] = {}
    latency: dict[tuple[date, str], LatencyHistogram] = {}
    for rank, key in enumerate(keys):
        for day_index, day in enumerate(DAYS):
            if rank == 1 and day_index == 5:
                continue
            contacts = 100 - 10 * rank + day_index
            sums[day, key] = FactSums(
                contacts=contacts,
                resolved=contacts * 3 // 4,
                first_contact_resolved=contacts * 2 // 3,
                contained=contacts // 3 + day_index,
                bot_started=contacts,
                escalated=contacts // 2,
                escalation_reasked=rank + day_index % 4,
                agent_handled=contacts // 2,
                handle_seconds=contacts // 2 * (240 + 10 * rank),
                csat_sum=0 if day_index == 3 else 4 * (10 + rank),
                csat_count=0 if day_index == 3 else 10 + rank,
                suggestions_with_feedback=20,
                suggestions_used=10 + rank,
                bot_turns=3 * contacts,
                customer_turns=4 * contacts,
                generative_drafts=contacts // 4,
            )
            latency[day, key] = LatencyHistogram.from_values(
                [30.0 + day_index] * 50 + [300.0 + 40 * rank] * 5
            )
    return kpi_report(
        since=SINCE,
        until=SINCE + timedelta(days=len(DAYS)),
        granularity=Granularity.DAY,
        dimension=dimension,
        sums=sums,
        latency=latency,
        cost_model=default_cost_model(),
    )


@pytest.fixture(scope="module")
def eight_keys() -> KpiReport:
    return daily_report(KEYS + SMALL_KEYS)


@pytest.fixture(scope="module")
def page(eight_keys: KpiReport) -> str:
    return render_html(eight_keys)


def assert_png(path: Path) -> None:
    content = path.read_bytes()
    assert content.startswith(PNG_SIGNATURE)
    assert len(content) > 20_000


def test_that_a_report_with_a_breakdown_renders_to_png(
    eight_keys: KpiReport, tmp_path: Path
) -> None:
    path = render_png(eight_keys, tmp_path / "charts" / "kpis.png")
    assert path == tmp_path / "charts" / "kpis.png"
    assert_png(path)


def test_that_a_report_without_breakdown_renders_to_png(tmp_path: Path) -> None:
    report = daily_report(["all"], dimension=Dimension.TOTAL)
    assert_png(render_png(report, tmp_path / "kpis.png"))


def test_that_a_report_without_rows_renders_to_png(tmp_path: Path) -> None:
    report = kpi_report(
        since=SINCE,
        until=SINCE + timedelta(days=1),
        granularity=Granularity.DAY,
        dimension=Dimension.QUEUE,
        sums={},
        latency={},
        cost_model=default_cost_model(),
    )
    content = render_png(report, tmp_path / "kpis.png").read_bytes()
    assert content.startswith(PNG_SIGNATURE)
    assert "<tbody>\n</tbody>" in render_html(report)


def test_that_the_html_page_names_every_kpi_and_its_definition(page: str) -> None:
    assert page.startswith("<!doctype html>")
    for definition in KPI_DEFINITIONS:
        assert definition.label in page
    assert "How each KPI is defined" in page
    assert "Average handle time" in page
    assert default_cost_model().version_label in page
    assert "2026-11-02 to 2026-11-15 (UTC)" in page
    assert "breakdown: intent" in page


def test_that_the_html_page_escapes_keys(page: str) -> None:
    assert SCRIPT_KEY not in page
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "warranty &amp; repair" in page


def test_that_the_html_page_needs_nothing_from_the_network(page: str) -> None:
    assert re.findall(r'src="([^"]{0,22})', page) == ["data:image/png;base64,"]
    assert "http://" not in page
    assert "https://" not in page
    assert "<link" not in page


def test_that_the_charts_keep_the_top_six_keys_and_merge_the_rest(page: str) -> None:
    caption = re.search(r'<p class="note">(Trends of .*?)</p>', page)
    assert caption is not None
    assert "other (2 keys) is payment_issue, warranty &amp; repair." in caption.group(1)
    for key in ("order_status", "return_item", "refund_status", "cancel_order", "a$b$c"):
        assert key in caption.group(1)


def test_that_the_table_lists_every_key_and_shows_missing_data_as_a_dash(page: str) -> None:
    table = page.split("<table>")[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 8
    assert "payment_issue" in table
    no_surveys = render_html(
        kpi_report(
            since=SINCE + timedelta(hours=9, minutes=30),
            until=SINCE + timedelta(days=1),
            granularity=Granularity.DAY,
            dimension=Dimension.CHANNEL,
            sums={
                (DAYS[0], "email"): FactSums(contacts=5, contained=1),
                (DAYS[0], ""): FactSums(contacts=2),
            },
            latency={},
            cost_model=default_cost_model(),
        )
    )
    assert '<td title="0 survey answers">\u2014</td>' in no_surveys
    assert '<td title="5 contacts">20.0%</td>' in no_surveys
    assert "<tr><td>(none)</td><td>2</td>" in no_surveys
    assert "2026-11-02 09:30+00:00 to 2026-11-03 00:00+00:00 (end excluded)" in no_surveys
