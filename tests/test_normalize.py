"""Grid -> canonical cells, on hand-built grids shaped like the printed tables."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from extractors.model import RawCell, RawTable
from pipeline.normalize.tables import (
    Cell,
    TablesResult,
    classify_table,
    detect_template,
    parse_tables,
    request_row_key,
)
from pipeline.normalize.template import REQUEST_ROWS
from pipeline.normalize.text import PrintedValue, fold, parse_number, read_value


def grid(*rows: list[str | None], strategy: str = "test") -> RawTable:
    return RawTable(tuple(tuple(RawCell(t, 1) for t in row) for row in rows), 1, strategy)


def test_parse_number_reads_what_is_printed() -> None:
    assert parse_number("12") == 12.0
    assert parse_number("１２") == 12.0
    assert parse_number("1 234") == 1234.0
    assert parse_number("1,234") == 1234.0
    assert parse_number("+3") == 3.0
    assert parse_number("-2") == -2.0
    assert parse_number("12.5") == 12.5
    assert parse_number(" 0\u3000\u3000") == 0.0
    for blank in ("", "—", "-", "/", "——", "无", None):
        assert parse_number(blank) is None
    assert parse_number("十二") is None
    assert parse_number("1,2") is None  # not a thousands separator: text, never guessed


def test_cells_as_real_reports_print_them() -> None:
    assert read_value("75394432.52元") == PrintedValue(75394432.52, "元")
    assert read_value("1095.76万元") == PrintedValue(1095.76, "万元")
    assert read_value("96171.6万") == PrintedValue(96171.6, "万")
    assert read_value("22（其中修订16件）") == PrintedValue(22.0)
    assert read_value("12件") == PrintedValue(12.0)
    assert read_value("5949.088667") == PrintedValue(5949.088667)
    assert read_value("１，２３４") == PrintedValue(1234.0)
    assert read_value("－２") == PrintedValue(-2.0)
    for blank in ("", " ", "—", "-", "/", "无", "——"):
        assert read_value(blank) == PrintedValue(None, blank=True), blank
    assert read_value("见附件").is_text and not read_value("0").is_text


@given(st.text(max_size=12))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


def test_fold_regression_a_spacing_accent_composes_after_whitespace_removal() -> None:
    assert fold("A´") == fold(fold("A´")) == "Á"


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**6), max_value=10**6))
def test_parse_number_round_trips_printed_decimals(number: object) -> None:
    printed = str(number)
    assert parse_number(printed) == float(printed)


def test_every_printed_request_label_maps_to_its_key() -> None:
    for template, rows in REQUEST_ROWS.items():
        group = ""
        for key, label in rows:
            folded = fold(label)
            if "(" in folded:
                group = folded[folded.rfind("(") :]
            assert request_row_key(folded, group) == key, (template, label)


def requests_grid(template: str) -> RawTable:
    header = [
        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", None, None, "申请人情况"]
        + [None] * 6,
        [None, None, None, "自然人", "法人或其他组织", None, None, None, None, "总计"],
        [None, None, None, None, "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", None],
    ]
    rows: list[list[str | None]] = []
    for i, (_key, label) in enumerate(REQUEST_ROWS[template]):
        parts = label.split(" ")
        labels: list[str | None] = [None, None, None]
        labels[3 - len(parts) :] = parts
        rows.append([*labels, str(i), "0", "", "—", "0", "0", str(i)])
    return grid(*header, *rows)


def test_requests_table_maps_every_row_and_column() -> None:
    for template in ("2019", "2021"):
        result = parse_tables([requests_grid(template)])
        keys = [c.row_key for c in result.cells if c.column_key == "natural_person"]
        assert keys == [k for k, _ in REQUEST_ROWS[template]]
        assert detect_template(result, 2022) == template
        blank = next(c for c in result.cells if c.column_key == "research")
        assert (blank.raw, blank.value) == ("", None)
        dash = next(c for c in result.cells if c.column_key == "public_interest")
        assert (dash.raw, dash.value) == ("—", None)


def test_an_unknown_row_label_is_kept_as_unmapped() -> None:
    table = requests_grid("2019")
    extra = tuple(RawCell(t, 2) for t in ["（八）自定义的行", None, None, "1", "2", "3", "4", "5", "6", "21"])
    result = parse_tables([RawTable((*table.rows, extra), 1, "test")])
    unmapped = [c for c in result.cells if c.row_key == "unmapped"]
    assert [c.raw for c in unmapped] == ["1", "2", "3", "4", "5", "6", "21"]
    assert {c.raw_label for c in unmapped} == {"（八）自定义的行"}


def test_active_disclosure_2021_with_fee_amount_in_wan_yuan() -> None:
    table = grid(
        ["第二十条第（一）项", None, None, None],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "0", "0", "2"],
        ["行政规范性文件", "5", "1", "30"],
        ["第二十条第（八）项", None, None, None],
        ["信息内容", "本年收费金额（单位：万元）", None, None],
        ["行政事业性收费", "12.5", None, None],
    )
    result = parse_tables([table])
    cells = {(c.row_key, c.column_key): c for c in result.cells}
    assert cells[("normative_documents", "in_force")].value == 30.0
    assert cells[("fees", "fee_amount")].value == 12.5
    assert cells[("fees", "fee_amount")].unit == "万元"
    assert detect_template(result, None) == "2021"


def test_review_table_is_one_row_of_fifteen_numbers() -> None:
    numbers = [str(n) for n in range(15)]
    table = grid(
        ["行政复议", None, None, None, None, "行政诉讼"] + [None] * 9,
        [
            "结果维持",
            "结果纠正",
            "其他结果",
            "尚未审结",
            "总计",
            "未经复议直接起诉",
            None,
            None,
            None,
            None,
            "复议后起诉",
        ]
        + [None] * 4,
        numbers,
    )
    result = parse_tables([table])
    cells = {(c.row_key, c.column_key): c.value for c in result.cells}
    assert cells[("review", "upheld")] == 0.0
    assert cells[("litigation_direct", "upheld")] == 5.0
    assert cells[("litigation_after_review", "total")] == 14.0
    assert classify_table(table) == "review_litigation"


def test_a_requests_table_continued_without_its_header_is_still_the_requests_table() -> None:
    table = requests_grid("2021")
    head, tail = RawTable(table.rows[:20], 1, "test"), RawTable(table.rows[20:], 2, "test")
    assert classify_table(tail) is None  # nothing in its own words says what it is
    result = parse_tables([head, tail])
    keys = [c.row_key for c in result.cells if c.column_key == "natural_person"]
    assert keys == [k for k, _ in REQUEST_ROWS["2021"]]


def test_rows_map_by_place_and_numbering_when_a_label_is_misprinted() -> None:
    rows = list(requests_grid("2021").rows)
    typo = [RawCell(c.text, c.page) for c in rows[8]]
    typo[2] = RawCell("2.其他法律行政止公开", 1)  # as one real report prints it
    rows[8] = tuple(typo)
    result = parse_tables([RawTable(tuple(rows), 1, "test")])
    keys = [c.row_key for c in result.cells if c.column_key == "natural_person"]
    assert keys == [k for k, _ in REQUEST_ROWS["2021"]]
    assert result.doubtful and "denied.prohibited_by_law" in result.doubtful[0]
    label = {c.raw_label for c in result.cells if c.row_key == "denied.prohibited_by_law"}
    assert label == {"2.其他法律行政止公开"}


def test_a_missing_row_shifts_nothing() -> None:
    rows = list(requests_grid("2021").rows)
    del rows[3 + 8]  # 5.属于三类内部事务信息 not printed
    result = parse_tables([RawTable(tuple(rows), 1, "test")])
    keys = [c.row_key for c in result.cells if c.column_key == "natural_person"]
    assert keys == [k for k, _ in REQUEST_ROWS["2021"] if k != "denied.internal_affairs"]
    assert not result.doubtful


def _keys(rows: list[tuple[RawCell, ...]]) -> tuple[list[str], TablesResult]:
    result = parse_tables([RawTable(tuple(rows), 1, "test")])
    return [c.row_key for c in result.cells if c.column_key == "natural_person"], result


def _relabel(row: tuple[RawCell, ...], col: int, text: str | None) -> tuple[RawCell, ...]:
    cells = list(row)
    cells[col] = RawCell(text, 1)
    return tuple(cells)


def test_an_added_row_is_kept_unmapped_and_the_rows_after_it_still_map() -> None:
    rows = list(requests_grid("2021").rows)
    extra = tuple(RawCell(t, 1) for t in [None, None, "9.属于其他情形", "1", "0", "0", "0", "0", "0", "1"])
    rows.insert(3 + 12, extra)  # after 8.属于行政查询事项
    keys, result = _keys(rows)
    assert keys == [k for k, _ in REQUEST_ROWS["2021"]]
    assert {c.raw_label for c in result.cells if c.row_key == "unmapped"} == {"9.属于其他情形"}


def test_dropped_and_added_characters_and_stray_spaces_still_map() -> None:
    rows = list(requests_grid("2021").rows)
    rows[3 + 13] = _relabel(rows[3 + 13], 2, "2.没有现成信息需另行制 作")  # 要 dropped, a space
    rows[3 + 14] = _relabel(rows[3 + 14], 2, "3. 补正后申请内容仍然不明确")  # 然 added
    keys, result = _keys(rows)
    assert keys == [k for k, _ in REQUEST_ROWS["2021"]]
    assert not result.doubtful  # their words still name their rows


def test_rows_printed_out_of_order_keep_their_own_keys_and_say_so() -> None:
    rows = list(requests_grid("2021").rows)
    rows[3 + 15], rows[3 + 16] = rows[3 + 16], rows[3 + 15]  # 2.重复申请 printed before 1.信访…
    keys, result = _keys(rows)
    want = [k for k, _ in REQUEST_ROWS["2021"]]
    want[15], want[16] = want[16], want[15]
    assert keys == want
    assert any("order" in d for d in result.doubtful)


def test_a_label_split_over_two_printed_rows_is_one_row() -> None:
    rows = list(requests_grid("2021").rows)
    values = [c.text for c in rows[3 + 13][3:]]
    upper = tuple(RawCell(t, 1) for t in [None, None, "2.没有现成信息需要", "", "", "", "", "", "", ""])
    lower = tuple(RawCell(t, 2) for t in [None, None, "另行制作", *values])
    rows[3 + 13 : 3 + 14] = [upper, lower]
    keys, result = _keys(rows)
    assert keys == [k for k, _ in REQUEST_ROWS["2021"]]
    assert not result.doubtful


def test_the_one_row_other_of_the_2019_template_in_a_2021_table() -> None:
    rows = list(requests_grid("2021").rows)
    other = next(i for i, r in enumerate(rows) if any((c.text or "").startswith("（六）") for c in r))
    one_row = tuple(RawCell(t, 1) for t in [None, "（六）其他处理", "", "0", "0", "0", "0", "0", "0", "0"])
    rows[other : other + 3] = [one_row]
    keys, result = _keys(rows)
    assert "other" in keys and not any(k.startswith("other.") for k in keys)
    assert not result.doubtful


def test_a_fee_printed_with_its_unit_keeps_the_unit_as_printed() -> None:
    def fee(printed: str) -> Cell:
        table = grid(
            ["第二十条第（八）项", None],
            ["信息内容", "本年收费金额（单位：万元）"],
            ["行政事业性收费", printed],
        )
        (cell,) = [c for c in parse_tables([table]).cells if c.column_key == "fee_amount"]
        return cell

    assert (fee("1095.76万元").value, fee("1095.76万元").unit) == (1095.76, "万元")
    assert (fee("96171.6万").value, fee("96171.6万").unit) == (96171.6, "万元")
    # 元 in a 万元 column: the number and unit as printed, never divided by 10,000
    assert (fee("75394432.52元").value, fee("75394432.52元").unit) == (75394432.52, "元")
    assert (fee("—").value, fee("—").raw, fee("—").unit) == (None, "—", "万元")


def test_a_misprinted_active_disclosure_label_maps_within_its_block_and_is_named() -> None:
    table = grid(
        ["第二十条第（一）项", None, None, None],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "0", "0", "2"],
        ["行政规范姓文件", "5", "1", "30"],  # 性 misprinted
        ["第二十条第（六）项", None, None, None],
        ["信息内容", "本年处理决定数量", None, None],
        ["行政处发", "12", None, None],  # 罚 misprinted
        ["其他事项", "7", None, None],  # not a row of the template
    )
    result = parse_tables([table])
    cells = {(c.row_key, c.column_key): c for c in result.cells}
    assert cells[("normative_documents", "in_force")].value == 30.0
    assert cells[("normative_documents", "in_force")].raw_label == "行政规范姓文件"
    assert cells[("penalty", "decisions")].value == 12.0
    assert [c.raw_label for c in result.cells if c.row_key == "unmapped"] == ["其他事项"]
    assert len(result.doubtful) == 2


def test_an_active_disclosure_row_naming_two_rows_is_never_guessed() -> None:
    table = grid(
        ["第二十条第（一）项", None, None, None],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章、行政规范性文件", "5", "1", "30"],
    )
    result = parse_tables([table])
    assert {c.row_key for c in result.cells} == {"unmapped"}


def test_template_2019_colspans_not_lining_up_with_the_header_map_by_the_header_labels() -> None:
    """Table 2 of a Word-pasted template-2019 page: a grid of five columns, 本年增/减 over two in the
    block's header; the (五) row puts its first number over two columns instead, the (六) row
    prints 本年增/减 as two cells, the second one empty."""
    table = grid(
        ["第二十条第（五）项", None, None, None, None],
        ["信息内容", "上一年项目数量", "本年增/减", None, "处理决定数量"],
        ["行政许可", "7", None, "+2", "30"],
        ["第二十条第（六）项", None, None, None, None],
        ["信息内容", "上一年项目数量", "本年增/减", None, "处理决定数量"],
        ["行政处罚", "4", "-1", "", "12"],
        ["行政强制", "2", "", "", "5"],
    )
    result = parse_tables([table])
    got = {(c.row_key, c.column_key): c.raw for c in result.cells}
    assert got == {
        ("licensing", "items_last_year"): "7",
        ("licensing", "change"): "+2",
        ("licensing", "decisions"): "30",
        ("penalty", "items_last_year"): "4",
        ("penalty", "change"): "-1",
        ("penalty", "decisions"): "12",
        ("coercion", "items_last_year"): "2",
        ("coercion", "change"): "",
        ("coercion", "decisions"): "5",
    }
    assert not result.problems


def test_two_numbers_under_one_header_label_are_never_guessed() -> None:
    table = grid(
        ["第二十条第（六）项", None, None, None, None],
        ["信息内容", "上一年项目数量", "本年增/减", None, "处理决定数量"],
        ["行政处罚", "4", "-1", "3", "12"],
    )
    result = parse_tables([table])
    assert {c.row_key for c in result.cells} == {"unmapped"}
    assert any("4 values for 3 columns" in p for p in result.problems)
