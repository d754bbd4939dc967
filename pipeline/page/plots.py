"""The metrics' pictures as inline SVG strings: distributions per year (box and strip), a province's
bodies against their median, and a province × year grid coloured by share. No script, no network."""

from __future__ import annotations

import statistics
import zlib
from collections.abc import Callable
from html import escape

from pipeline.page.charts import nice_max

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 36, 32
DOT = "#1f5fa8"
LOW, HIGH = (247, 251, 255), (8, 81, 156)  # grid colours for share 0 and 1


def svg(cls: str, title: str, height: float, body: list[str], attrs: str = "", width: int = WIDTH) -> str:
    """One picture, its title drawn on its first line (and given to screen readers)."""
    return (
        f'<svg class="plot {cls}" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height:.0f}" width="{width}" height="{height:.0f}"{attrs}>'
        f'<title>{escape(title)}</title><text class="heading" x="4" y="14" font-weight="bold">'
        f"{escape(title)}</text>{''.join(body)}</svg>"
    )


def label(value: float, percent: bool) -> str:
    return f"{value:.0%}" if percent else f"{value:,.0f}"


def value_range(values: list[float], percent: bool) -> tuple[float, float]:
    if percent:
        return 0.0, max(1.0, nice_max(max(values)))
    low, high = min(values), max(values)
    return (-nice_max(-low) if low < 0 else 0.0), nice_max(high) if high > 0 else 1.0


def quartiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return values[0], values[0], values[0]
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def jitter(key: str, width: float) -> float:
    """A stable horizontal offset for a dot (the same body lands in the same place every time)."""
    return (zlib.crc32(key.encode("utf-8")) % 1000 / 1000 - 0.5) * width


def year_box(
    year: int, points: list[tuple[str, float]], x: float, band: float, to_y: Callable[[float], float]
) -> list[str]:
    values = sorted(v for _, v in points)
    q1, median, q3 = quartiles(values)
    half = band * 0.3
    out = [
        f'<line class="whisker" x1="{x:.1f}" x2="{x:.1f}" y1="{to_y(values[0]):.1f}" '
        f'y2="{to_y(values[-1]):.1f}" stroke="#888"/>',
        f'<rect class="box" data-year="{year}" data-n="{len(values)}" data-median="{median:g}" '
        f'data-q1="{q1:g}" data-q3="{q3:g}" x="{x - half:.1f}" y="{to_y(q3):.1f}" width="{2 * half:.1f}" '
        f'height="{max(to_y(q1) - to_y(q3), 1):.1f}" fill="#dde8f5" stroke="#1f5fa8"/>',
        f'<line class="median" x1="{x - half:.1f}" x2="{x + half:.1f}" y1="{to_y(median):.1f}" '
        f'y2="{to_y(median):.1f}" stroke="#c0392b" stroke-width="2"/>',
    ]
    for body, value in points:
        cx = x + jitter(body, band * 0.5)
        out.append(
            f'<circle class="dot" data-body="{escape(body)}" data-year="{year}" data-value="{value:g}" '
            f'cx="{cx:.1f}" cy="{to_y(value):.1f}" r="3" fill="{DOT}" fill-opacity="0.6">'
            f"<title>{escape(body)} {year}: {value:g}</title></circle>"
        )
    return out


def distribution_chart(
    title: str, metric: str, by_year: dict[int, list[tuple[str, float]]], percent: bool
) -> str:
    """Per year, a box (quartiles, median, whiskers min-max) and every body's value as a dot."""
    years = sorted(y for y, points in by_year.items() if points)
    if not years:
        return f'<p class="empty">{escape(title)}：暂无数据 (no data)</p>'
    low, high = value_range([v for y in years for _, v in by_year[y]], percent)

    def to_y(value: float) -> float:
        return TOP + (1 - (value - low) / (high - low)) * (HEIGHT - TOP - BOTTOM)

    band = (WIDTH - LEFT - RIGHT) / len(years)
    body = []
    for i in range(5):
        value = low + (high - low) * i / 4
        body.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{to_y(value):.1f}" y2="{to_y(value):.1f}"/>'
        )
        body.append(
            f'<text x="{LEFT - 6}" y="{to_y(value) + 4:.1f}" text-anchor="end">{label(value, percent)}</text>'
        )
    for i, year in enumerate(years):
        x = LEFT + band * (i + 0.5)
        body += year_box(year, by_year[year], x, band, to_y)
        n = len(by_year[year])
        body.append(f'<text x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="middle">{year} (n={n})</text>')
    return svg("distribution", title, HEIGHT, body, f' data-metric="{escape(metric)}"')


ROW, LABEL_WIDTH = 18, 230


def peer_chart(title: str, province: str, year: int, bodies: list[tuple[str, float]]) -> str:
    """Each body of a province in one year as a dot on 0-100 %, against the province's median."""
    bodies = sorted(bodies, key=lambda b: (-b[1], b[0]))
    median = statistics.median(v for _, v in bodies)
    height = TOP + ROW * len(bodies) + BOTTOM
    span = WIDTH - LABEL_WIDTH - 3 * RIGHT  # room for the 100 % label

    def to_x(value: float) -> float:
        return LABEL_WIDTH + min(max(value, 0.0), 1.0) * span

    body = [
        f'<text x="{to_x(t):.1f}" y="{height - 10}" text-anchor="middle">{t:.0%}</text>' for t in (0, 0.5, 1)
    ]
    body.append(
        f'<line class="median" data-value="{median:g}" x1="{to_x(median):.1f}" x2="{to_x(median):.1f}" '
        f'y1="{TOP - 6}" y2="{height - BOTTOM + 4}" stroke="#c0392b" stroke-dasharray="4 3"/>'
        f'<text x="{to_x(median) + 4:.1f}" y="{TOP - 4}">中位数 median {median:.0%}</text>'
    )
    for i, (name, value) in enumerate(bodies):
        y = TOP + ROW * i + ROW / 2
        body.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 4:.1f}" text-anchor="end">{escape(name[:16])}</text>'
        )
        body.append(f'<line class="grid" x1="{LABEL_WIDTH}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        body.append(
            f'<circle class="body" data-body="{escape(name)}" data-value="{value:g}" cx="{to_x(value):.1f}" '
            f'cy="{y:.1f}" r="5" fill="{DOT}"><title>{escape(name)}: {value:.1%}</title></circle>'
        )
    attrs = f' data-province="{escape(province)}" data-year="{year}"'
    return svg("peers", title, height, body, attrs)


def share_colour(share: float) -> str:
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(LOW, HIGH, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


CELL_W, CELL_H, GRID_LABEL = 64, 22, 120


def share_grid(
    title: str,
    provinces: list[tuple[str, str]],
    years: list[int],
    counts: dict[tuple[str, int], tuple[int, int]],
) -> str:
    """Provinces × years, each cell coloured by the share of its bodies with a report (count in the cell)."""
    if not provinces or not years:
        return f'<p class="empty">{escape(title)}：暂无数据 (no data)</p>'
    height = TOP + 8 + CELL_H * len(provinces) + 8
    body = [
        f'<text x="{GRID_LABEL + CELL_W * (j + 0.5):.1f}" y="{TOP}" text-anchor="middle">{y}</text>'
        for j, y in enumerate(years)
    ]
    for i, (code, name) in enumerate(provinces):
        y = TOP + 8 + CELL_H * i
        body.append(f'<text x="{GRID_LABEL - 8}" y="{y + 15}" text-anchor="end">{escape(name)}</text>')
        for j, year in enumerate(years):
            have, total = counts.get((code, year), (0, 0))
            share = have / total if total else 0.0
            x = GRID_LABEL + CELL_W * j
            ink = "#fff" if share > 0.6 else "#222"
            body.append(
                f'<rect class="cell" data-province="{code}" data-year="{year}" data-share="{share:.4g}" '
                f'x="{x}" y="{y}" width="{CELL_W - 2}" height="{CELL_H - 2}" fill="{share_colour(share)}">'
                f"<title>{escape(name)} {year}: {have}/{total}</title></rect>"
                f'<text x="{x + CELL_W / 2 - 1:.1f}" y="{y + 15}" text-anchor="middle" '
                f'fill="{ink}">{have}/{total}</text>'
            )
    width = max(WIDTH, GRID_LABEL + CELL_W * len(years) + RIGHT + 120)
    return svg("grid", title, height, body + grid_legend(width - 110, TOP + 8), width=width)


def grid_legend(x: float, y: float) -> list[str]:
    """The colour scale: 0 %, 50 % and 100 % of counties with a report."""
    out = [f'<text x="{x}" y="{y + 12}">有报告的县 share</text>']
    for i, share in enumerate((0.0, 0.5, 1.0)):
        top = y + 20 + i * 20
        out.append(
            f'<rect x="{x}" y="{top}" width="24" height="16" fill="{share_colour(share)}" stroke="#ccc"/>'
        )
        out.append(f'<text x="{x + 30}" y="{top + 12}">{share:.0%}</text>')
    return out
