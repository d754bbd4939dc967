"""Entry titles: report / skip / other, and (agency, year) out of report titles."""

from __future__ import annotations

import pytest

from pipeline.normalize.titles import classify_title, is_cut_title, normalize_agency, parse_report_title


@pytest.mark.parametrize(
    "title",
    [
        "沂源县人民政府办公室2019年政府信息公开工作年度报告",
        "2019年沂源县财政局政府信息公开工作年度报告",
        "沂源县2020年度政府信息公开工作年度报告",
        "沂源县教育局2018年政府信息公开年报",
        "沂源县2021年政务公开年度报告",
        "《沂源县自然资源局2022年度政府信息公开工作年度报告》",
        "二〇一九年沂源县民政局政府信息公开工作年度报告",
        "2019年沂源县财政局政府信息公开工…",
        "沂源县人民政府办公室2019年政府信息...",
    ],
)
def test_reports(title: str) -> None:
    assert classify_title(title) == "report"


@pytest.mark.parametrize(
    "title",
    [
        "沂源县2020年政府工作报告",
        "关于做好2020年政府信息公开工作年度报告编制和发布工作的通知",
        "关于报送2019年度政府信息公开工作年度报告的通知",
        "2020年政务公开工作要点",
        "沂源县2019年国民经济和社会发展统计公报",
        "图解：沂源县2019年政府信息公开工作年度报告",
    ],
)
def test_skips(title: str) -> None:
    assert classify_title(title) == "skip"


@pytest.mark.parametrize("title", ["首页", "下一页", "政务公开", "政府信息公开指引", "", "  ", "3"])
def test_navigation_is_other(title: str) -> None:
    assert classify_title(title) == "other"


@pytest.mark.parametrize(
    ("title", "agency", "year"),
    [
        ("沂源县人民政府办公室2019年政府信息公开工作年度报告", "沂源县人民政府办公室", 2019),
        ("2019年沂源县财政局政府信息公开工作年度报告", "沂源县财政局", 2019),
        ("沂源县2020年度政府信息公开工作年度报告", "沂源县", 2020),
        ("沂源县教育局2018年政府信息公开年报", "沂源县教育局", 2018),
        ("沂源县卫生健康局关于2021年度政府信息公开工作年度报告", "沂源县卫生健康局", 2021),
        ("二〇一九年沂源县民政局政府信息公开工作年度报告", "沂源县民政局", 2019),
        ("《2022年度 沂源县 南麻街道办事处 政府信息公开工作年度报告》", "沂源县南麻街道办事处", 2022),
        ("政府信息公开工作年度报告", None, None),
        ("沂源县人民政府办公室2019年政府信息公开工…", "沂源县人民政府办公室", 2019),
    ],
)
def test_parse_report_title(title: str, agency: str | None, year: int | None) -> None:
    assert parse_report_title(title) == (agency, year)


def test_cut_titles() -> None:
    # a cut title that might be a report is one until the crawler reads the article's <h1>
    assert classify_title("2019年政务公开工作要…") == "report"
    assert is_cut_title("2019年沂源县财政局政府信息公开工…")
    assert is_cut_title("2019年沂源县财政局政府信息公开工...")
    assert not is_cut_title("2019年沂源县财政局政府信息公开工作年度报告")


def test_the_same_body_gets_the_same_normalised_agency_every_year() -> None:
    assert normalize_agency("淮安市洪泽区人民政府") == normalize_agency("洪泽区人民政府") == "洪泽区人民政府"
    assert normalize_agency("洪泽区政府") == "洪泽区人民政府"
    assert (
        normalize_agency("平潭综合实验区")
        == normalize_agency("平潭综合实验区管委会")
        == "平潭综合实验区管委会"
    )
    assert normalize_agency("江苏省淮安市洪泽区人民政府") == "洪泽区人民政府"
    assert normalize_agency("上海市浦东新区人民政府") == "浦东新区人民政府"
    # bodies other than the government itself, and zones named only by their kind, keep their names
    assert normalize_agency("沭阳县发展和改革局") == "沭阳县发展和改革局"
    assert normalize_agency("沂源县人民政府办公室") == "沂源县人民政府办公室"
    assert normalize_agency("淮安市经济技术开发区管委会") == "淮安市经济技术开发区管委会"
    assert normalize_agency("淮安市市场监督管理局") == "淮安市市场监督管理局"
    assert normalize_agency(None) is None
