"""Section splitting by number and heading words, in order."""

from __future__ import annotations

from extractors.model import TextBlock
from pipeline.normalize.sections import split_sections

PREAMBLE = "本报告由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等六个部分组成。"


def test_headings_found_in_order_despite_preamble_and_table_labels() -> None:
    blocks = [
        TextBlock("某县人民政府办公室2021年政府信息公开工作\n年度报告", 1),
        TextBlock(PREAMBLE, 1),
        TextBlock(
            "一、 总体情况\n2021年，本机关坚持以公开为常态，\n不公开为例外。\n全年主动公开信息120条。", 1
        ),
        TextBlock("二、主动公开政府信息情况", 2),
        TextBlock("三、收到和处理政府信息公开申请情况", 2),
        TextBlock("一、本年新收政府信息公开申请数量", 2),  # a table label that leaked: not a heading
        TextBlock("四、因政府信息公开工作被申请行政复议、提起行政诉讼情况", 3),
        TextBlock("五、政府信息公开工作存在的主要问题及改进情况", 3),
        TextBlock("问题一。", 3),
        TextBlock("六、其他需要报告的事项", 3),
        TextBlock("无。", 3),
    ]
    sections = split_sections(blocks)
    assert [s.section_no for s in sections] == [0, 1, 2, 3, 4, 5, 6]
    assert sections[0].text.startswith("某县人民政府办公室2021年政府信息公开工作年度报告")
    assert sections[1].heading == "一、 总体情况"
    assert sections[1].text == "2021年，本机关坚持以公开为常态，不公开为例外。\n全年主动公开信息120条。"
    assert sections[3].text == "一、本年新收政府信息公开申请数量"
    assert sections[4].page == 3
    assert sections[6].text == "无。"


def test_a_missing_section_does_not_stop_the_later_ones() -> None:
    blocks = [
        TextBlock(t)
        for t in ("一、总体情况", "甲。", "三、收到和处理政府信息公开申请情况", "六、其他需要报告的事项")
    ]
    assert [s.section_no for s in split_sections(blocks)] == [0, 1, 3, 6]


def test_old_format_reports_split_on_any_numbered_short_heading() -> None:
    blocks = [
        TextBlock(t)
        for t in ("一、概述", "甲。", "二、主动公开政府信息的情况", "乙。", "七、其他需要报告的事项", "丙。")
    ]
    sections = split_sections(blocks, old_format=True)
    assert [(s.section_no, s.text) for s in sections] == [(0, ""), (1, "甲。"), (2, "乙。"), (7, "丙。")]
