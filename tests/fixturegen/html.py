"""Renders a ReportSpec as a county CMS article page (Word-export style tables in div#zoom)."""

# ruff: noqa: E501  (the page template below is HTML, kept one element per line)

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from tests.fixturegen.layout import Grid, GridCell, active_grid, requests_grid, review_grid
from tests.fixturegen.model import ReportSpec

SPAN = '<span style="font-family:宋体;font-size:10.5pt">'
# Labels that Word breaks inside a narrow cell; the break is printed as <br>.
BREAKS = {
    "本年新公开数量": "本年新<br>公开数量",
    "对外公开总数量": "对外公开<br>总数量",
    "社会公益组织": "社会公益<br>组织",
}


@dataclass(frozen=True)
class HtmlOptions:
    encoding: str = "utf-8"  # bytes written; "gbk" for the GBK variants
    meta_charset: str | None = "utf-8"  # None: no <meta charset> at all
    nbsp_noise: bool = False  # trailing &nbsp; and full-width spaces around numbers, as Word exports


@dataclass(frozen=True)
class Site:
    """The CMS frame around an article."""

    name: str = "沂源县人民政府"
    column: str = "政府信息公开年度报告"
    home: str = "/"
    column_url: str = "#"


def cell_html(cell: GridCell, opts: HtmlOptions) -> str:
    text = BREAKS.get(cell.text, escape(cell.text))
    if cell.key and opts.nbsp_noise and text:
        text = f"&nbsp;{text}\u3000"
    inner = text or "&nbsp;"
    attrs = "".join(
        f' {name}="{n}"' for name, n in (("rowspan", cell.rowspan), ("colspan", cell.colspan)) if n > 1
    )
    align = "left" if cell.label else "center"
    return f'<td{attrs} valign="middle"><p class="MsoNormal" align="{align}">{SPAN}{inner}</span></p></td>'


def grid_html(grid: Grid, opts: HtmlOptions) -> str:
    rows = "\n".join("<tr>" + "".join(cell_html(c, opts) for c in row) + "</tr>" for row in grid.rows)
    return (
        '<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
        f'style="border-collapse:collapse;width:100%">\n<tbody>\n{rows}\n</tbody></table>'
    )


def para(text: str, center: bool = False) -> str:
    style = "text-align:center" if center else "text-indent:2em"
    return f'<p style="{style}"><span style="font-size:16px">{escape(text)}</span></p>'


def heading(text: str) -> str:
    return (
        f'<p style="text-indent:2em"><strong><span style="font-size:16px">{escape(text)}</span></strong></p>'
    )


def zoom_body(spec: ReportSpec, opts: HtmlOptions) -> str:
    s0 = spec.section(0)
    parts = [para(s0.paragraphs[0], center=True), "<p>&nbsp;</p>", *(para(p) for p in s0.paragraphs[1:])]
    tables = {2: active_grid, 3: requests_grid, 4: review_grid}
    for sec in spec.sections[1:]:
        assert sec.heading is not None
        parts.append(heading(sec.heading))
        parts += [para(p) for p in sec.paragraphs]
        if spec.template != "pre2019" and sec.no in tables:
            parts.append(grid_html(tables[sec.no](spec), opts))
    return "\n".join(parts)


def article_page(
    title: str, published: dt.date, body: str, site: Site, opts: HtmlOptions, attachments: str = ""
) -> bytes:
    """A whole CMS page: navigation, breadcrumb, article, share buttons, related links, footer."""
    meta = f'<meta charset="{opts.meta_charset}">' if opts.meta_charset else ""
    page = f"""<!DOCTYPE html>
<html>
<head>
{meta}
<title>{escape(title)}_{escape(site.name)}</title>
<link rel="stylesheet" href="/css/main.css">
</head>
<body>
<div class="top-bar"><a href="{site.home}">网站首页</a> | <a href="#">无障碍浏览</a> | <a href="#">长者模式</a></div>
<div class="nav"><ul><li><a href="{site.home}">首页</a></li><li><a href="#">政务公开</a></li>
<li><a href="#">政务服务</a></li><li><a href="#">互动交流</a></li><li><a href="#">走进{escape(site.name[:3])}</a></li></ul></div>
<div class="breadcrumb">当前位置：<a href="{site.home}">首页</a> &gt; <a href="#">政务公开</a> &gt; <a href="{site.column_url}">{escape(site.column)}</a></div>
<div class="article">
<h1>{escape(title)}</h1>
<div class="info">发布日期：{published.isoformat()}&nbsp;&nbsp;来源：{escape(site.name)}&nbsp;&nbsp;浏览次数：<span id="hits">0</span>&nbsp;&nbsp;字号：[<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>]</div>
<div id="zoom">
{body}
</div>
{attachments}
<div class="share">分享到：<a href="#" class="wechat">微信</a> <a href="#" class="weibo">微博</a> <a href="#" class="qzone">QQ空间</a> <a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="related"><h3>相关链接</h3><ul><li><a href="#">中国政府网</a></li><li><a href="#">山东省人民政府</a></li><li><a href="#">淄博市人民政府</a></li></ul></div>
<div class="footer"><p>主办单位：{escape(site.name)}办公室&nbsp;&nbsp;网站标识码：3703000001</p>
<p>鲁ICP备05001234号&nbsp;&nbsp;鲁公网安备 37032302000123号</p></div>
</body>
</html>
"""
    return page.encode(opts.encoding)


def render_html(spec: ReportSpec, opts: HtmlOptions, site: Site = Site()) -> bytes:
    return article_page(spec.title, spec.published_date, zoom_body(spec, opts), site, opts)
