"""Line charts as inline SVG strings: no script, no network, text in the page's fonts."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 32
COLORS = ("#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad")


@dataclass(frozen=True)
class Series:
    label: str
    points: dict[int, float]  # year -> value


def nice_max(value: float) -> float:
    """A round upper bound for the y axis (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return float(factor * step)
    return float(10 * step)


def x_of(year: int, years: list[int]) -> float:
    if len(years) == 1:
        return LEFT + (WIDTH - LEFT - RIGHT) / 2
    return LEFT + (year - years[0]) / (years[-1] - years[0]) * (WIDTH - LEFT - RIGHT)


def y_of(value: float, top: float) -> float:
    return TOP + (1 - value / top) * (HEIGHT - TOP - BOTTOM)


def number(value: float, percent: bool) -> str:
    return f"{value:.0%}" if percent else f"{value:,.0f}"


def axes(years: list[int], top: float, percent: bool) -> list[str]:
    out = []
    for i in range(5):
        value = top * i / 4
        y = y_of(value, top)
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{number(value, percent)}</text>')
    for year in years:
        x = x_of(year, years)
        out.append(f'<text x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="middle">{year}</text>')
    return out


def series_svg(s: Series, color: str, years: list[int], top: float) -> list[str]:
    coords = [(x_of(y, years), y_of(v, top)) for y, v in sorted(s.points.items())]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    values = ";".join(
        f"{y}={v:g}" for y, v in sorted(s.points.items())
    )  # what the line shows, for readers' tools
    out = [
        f'<polyline class="series" data-label="{escape(s.label)}" data-values="{values}" '
        f'points="{points}" stroke="{color}"/>'
    ]
    out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in coords]
    return out


def legend(series: list[Series]) -> list[str]:
    out, x = [], LEFT
    for s, color in zip(series, COLORS, strict=False):
        out.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{x + 16}" y="18">{escape(s.label)}</text>')
        x += 28 + 14 * len(s.label)
    return out


def line_chart(title: str, series: list[Series], percent: bool = False) -> str:
    """One chart; years without a value are left out of their line (never drawn as zero)."""
    years = sorted({y for s in series for y in s.points})
    if not years:
        return f'<p class="empty">{escape(title)}：暂无数据 (no data)</p>'
    top = 1.0 if percent else nice_max(max(v for s in series for v in s.points.values()))
    body = axes(years, top, percent) + legend(series)
    for s, color in zip(series, COLORS, strict=False):
        body += series_svg(s, color, years, top)
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )
