"""A report that deviates from the template, derived from `same-2021-html` by three edits.

- the row 8.属于行政查询事项 is left out;
- the rows 2.重复申请 and 3.要求提供公开出版物 are printed as one row (the first one's numbers);
- an extra row 五、其他说明事项 follows the table's last row.

The golden file is the source case's golden file with the same three edits applied, so what
can be mapped is expected mapped and the rest expected as `unmapped` facts with their labels.
Run: `python -m tests.fixturegen.deviation` (after `python -m tests.fixturegen`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SOURCE = FIXTURES / "same-2021-html"
TARGET = FIXTURES / "html-2021-deviating"
MERGED_LABEL = "2.重复申请3.要求提供公开出版物"
EXTRA_LABEL = "五、其他说明事项"
EXTRA_VALUES = ("1", "0", "0", "0", "0", "0", "1")


def row_line(lines: list[str], label: str) -> int:
    (index,) = [i for i, line in enumerate(lines) if line.startswith("<tr") and f">{label}<" in line]
    return index


def shrink_rowspan(lines: list[str], label: str) -> None:
    pattern = re.compile(rf'rowspan="(\d+)"([^>]*>(?:<[^>]+>)*{re.escape(label)}<)')
    for i, line in enumerate(lines):
        if pattern.search(line):
            lines[i] = pattern.sub(lambda m: f'rowspan="{int(m.group(1)) - 1}"{m.group(2)}', line, count=1)
            return
    raise ValueError(f"no rowspan cell labelled {label}")


def edit_html(html: str) -> str:
    lines = html.split("\n")
    del lines[row_line(lines, "8.属于行政查询事项")]
    shrink_rowspan(lines, "（三）不予公开")
    del lines[row_line(lines, "3.要求提供公开出版物")]
    shrink_rowspan(lines, "（五）不予处理")
    for _ in range(2):
        shrink_rowspan(lines, "三、本年度办理结果")
    merged = row_line(lines, "2.重复申请")
    lines[merged] = lines[merged].replace(">2.重复申请<", f">{MERGED_LABEL}<")
    last = row_line(lines, "四、结转下年度继续办理")
    extra = lines[last].replace(">四、结转下年度继续办理<", f">{EXTRA_LABEL}<")
    values = iter(EXTRA_VALUES)
    number_cell = re.compile(r'(align="center"><span[^>]*>)([^<]*)(<)')
    extra = number_cell.sub(lambda m: m.group(1) + next(values) + m.group(3), extra)
    lines.insert(last + 1, extra)
    return "\n".join(lines)


def unmapped(label: str, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = {"row_key": "unmapped", "raw_label": label}
    return [{**f, **keys, "column_key": f"col{i}"} for i, f in enumerate(facts, 1)]


def edit_expected(expected: dict[str, Any]) -> dict[str, Any]:
    facts = expected["facts"]
    duplicate = [f for f in facts if f["row_key"] == "not_processed.duplicate"]
    dropped = {"denied.inquiry", "not_processed.duplicate", "not_processed.publication"}
    kept = [f for f in facts if f["row_key"] not in dropped]
    extra = [
        {"table_key": "requests", "row_key": "", "column_key": "", "value": float(v), "raw": v, "unit": None}
        | {"page": None}
        for v in EXTRA_VALUES
    ]
    edited = kept + unmapped(MERGED_LABEL, duplicate) + unmapped(EXTRA_LABEL, extra)
    return {**expected, "case": TARGET.name, "status": "partial", "facts": edited}


def main() -> None:
    expected = json.loads((SOURCE / "expected.json").read_text(encoding="utf-8"))
    html = (SOURCE / expected["document"]).read_text(encoding="utf-8")
    TARGET.mkdir(exist_ok=True)
    (TARGET / expected["document"]).write_text(edit_html(html), encoding="utf-8")
    text = json.dumps(edit_expected(expected), ensure_ascii=False, indent=1)
    (TARGET / "expected.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
