"""The canonical keys of both official templates and their printed labels (`shared/spec/report-format.md`);
normalisation, checks, the `dictionary` table and fixture generators read a table's rows and columns here."""

from __future__ import annotations

# (row_key, label) in printed order.
Rows = tuple[tuple[str, str], ...]
Cols = tuple[tuple[str, str], ...]

SECTION_HEADINGS: dict[int, str] = {
    1: "一、总体情况",
    2: "二、主动公开政府信息情况",
    3: "三、收到和处理政府信息公开申请情况",
    4: "四、政府信息公开行政复议、行政诉讼情况",
    5: "五、存在的主要问题及改进情况",
    6: "六、其他需要报告的事项",
}

# ---- active_disclosure: blocks of (block label, rows, columns) -----------------------

ACTIVE_BLOCKS: dict[str, tuple[tuple[str, Rows, Cols], ...]] = {
    "2019": (
        (
            "第二十条第（一）项",
            (("regulations", "规章"), ("normative_documents", "规范性文件")),
            (
                ("made", "本年新制作数量"),
                ("published", "本年新公开数量"),
                ("total_published", "对外公开总数量"),
            ),
        ),
        (
            "第二十条第（五）项",
            (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")),
            (("items_last_year", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")),
        ),
        (
            "第二十条第（六）项",
            (("penalty", "行政处罚"), ("coercion", "行政强制")),
            (("items_last_year", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")),
        ),
        (
            "第二十条第（八）项",
            (("fees", "行政事业性收费"),),
            (("items_last_year", "上一年项目数量"), ("change", "本年增/减")),
        ),
        (
            "第二十条第（九）项",
            (("procurement", "政府集中采购"),),
            (("procurement_items", "采购项目数量"), ("procurement_amount", "采购总金额")),
        ),
    ),
    "2021": (
        (
            "第二十条第（一）项",
            (("regulations", "规章"), ("normative_documents", "行政规范性文件")),
            (("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")),
        ),
        (
            "第二十条第（五）项",
            (("licensing", "行政许可"),),
            (("decisions", "本年处理决定数量"),),
        ),
        (
            "第二十条第（六）项",
            (("penalty", "行政处罚"), ("coercion", "行政强制")),
            (("decisions", "本年处理决定数量"),),
        ),
        (
            "第二十条第（八）项",
            (("fees", "行政事业性收费"),),
            (("fee_amount", "本年收费金额（单位：万元）"),),
        ),
    ),
}

# ---- requests ---------------------------------------------------------------------------

REQUEST_COLUMNS: Cols = (
    ("natural_person", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("public_interest", "社会公益组织"),
    ("legal_services", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)
APPLICANT_COLUMNS: tuple[str, ...] = tuple(k for k, _ in REQUEST_COLUMNS if k != "total")

_REQUEST_ROWS_HEAD: Rows = (
    ("new", "一、本年新收政府信息公开申请数量"),
    ("carried_over", "二、上年结转政府信息公开申请数量"),
    ("granted", "三、本年度办理结果 （一）予以公开"),
    ("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("denied.state_secret", "（三）不予公开 1.属于国家秘密"),
    ("denied.prohibited_by_law", "2.其他法律行政法规禁止公开"),
    ("denied.security_stability", "3.危及“三安全一稳定”"),
    ("denied.third_party", "4.保护第三方合法权益"),
    ("denied.internal_affairs", "5.属于三类内部事务信息"),
    ("denied.process_info", "6.属于四类过程性信息"),
    ("denied.enforcement_files", "7.属于行政执法案卷"),
    ("denied.inquiry", "8.属于行政查询事项"),
    ("unable.not_held", "（四）无法提供 1.本机关不掌握相关政府信息"),
    ("unable.needs_creation", "2.没有现成信息需要另行制作"),
    ("unable.unclear", "3.补正后申请内容仍不明确"),
    ("not_processed.petition", "（五）不予处理 1.信访举报投诉类申请"),
    ("not_processed.duplicate", "2.重复申请"),
    ("not_processed.publication", "3.要求提供公开出版物"),
    ("not_processed.excessive", "4.无正当理由大量反复申请"),
    ("not_processed.confirmation", "5.要求行政机关确认或重新出具已获取信息"),
)
_REQUEST_ROWS_TAIL: Rows = (
    ("processed_total", "（七）总计"),
    ("carried_forward", "四、结转下年度继续办理"),
)
REQUEST_ROWS: dict[str, Rows] = {
    "2019": (*_REQUEST_ROWS_HEAD, ("other", "（六）其他处理"), *_REQUEST_ROWS_TAIL),
    "2021": (
        *_REQUEST_ROWS_HEAD,
        (
            "other.no_correction",
            "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        ),
        ("other.fee_unpaid", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
        ("other.other", "3.其他"),
        *_REQUEST_ROWS_TAIL,
    ),
}


def result_rows(template: str) -> tuple[str, ...]:
    """The result rows from `granted` to the last `other*` row (summed by processed_total)."""
    keys = [k for k, _ in REQUEST_ROWS[template]]
    return tuple(keys[keys.index("granted") : keys.index("processed_total")])


# ---- review_litigation ------------------------------------------------------------------

REVIEW_ROWS: Rows = (
    ("review", "行政复议"),
    ("litigation_direct", "行政诉讼 · 未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼 · 复议后起诉"),
)
REVIEW_COLUMNS: Cols = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)

AMOUNT_COLUMNS: frozenset[str] = frozenset({"procurement_amount", "fee_amount"})


def canonical_cells(template: str) -> list[tuple[str, str, str]]:
    """Every (table_key, row_key, column_key) a complete report of `template` has, in order."""
    cells: list[tuple[str, str, str]] = []
    for _, rows, cols in ACTIVE_BLOCKS[template]:
        cells += [("active_disclosure", r, c) for r, _ in rows for c, _ in cols]
    cells += [("requests", r, c) for r, _ in REQUEST_ROWS[template] for c, _ in REQUEST_COLUMNS]
    cells += [("review_litigation", r, c) for r, _ in REVIEW_ROWS for c, _ in REVIEW_COLUMNS]
    return cells
