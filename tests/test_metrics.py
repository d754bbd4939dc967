"""The `metrics` table on the real reports of tests/fixtures/real, read back with DuckDB.

Every expected value is computed here by hand from the cells as printed (copied from each report's
golden `expected.json`, itself read from the published document), never by the code under test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.crawl.county import CrawlResult
from pipeline.crawl.sources import Source
from pipeline.extract.worker import extract_file, sha256_file
from pipeline.metrics.deadlines import body_kind, report_deadline
from pipeline.metrics.table import percentile_rank, with_percentiles
from pipeline.metrics.table import write_metrics as rebuild_metrics
from pipeline.records import DocumentMeta, build_report
from pipeline.run import RunContext, store_county
from pipeline.store.dataset import LocalDataset
from pipeline.store.schema import MetricRecord

REAL = Path(__file__).parent / "fixtures" / "real"
COUNTIES = {  # region_code: (name, real report folders)
    "320813": ("洪泽区", ["hongze-2023", "hongze-2024"]),
    "320800": ("淮安市", ["huaian-2024"]),
    "321322": ("沭阳县", ["shuyang-fgj-2023"]),
    "350128": ("平潭综合实验区", ["pingtan-2023"]),
}
CASE_OF = {case: code for code, (_, cases) in COUNTIES.items() for case in cases}

# By hand, from the `total` column of table 3 and the three groups of table 4 as printed:
#   disclosed = (予以公开 + 部分公开) / 总计; denied = Σ 不予公开 1-8 / 总计; unable = Σ 无法提供 1-3 / 总计;
#   corrected = Σ 结果纠正 / Σ (结果维持 + 结果纠正 + 其他结果) over 行政复议 and both 行政诉讼 groups.
WANT: dict[str, dict[str, float | None]] = {
    "hongze-2023": {  # new 21; granted 0, partial 4; denied 1+1+1; unable 10+3; total 21
        "requests.disclosed_rate": 4 / 21,
        "requests.denied_rate": 3 / 21,
        "requests.unable_rate": 13 / 21,
        "requests.new_change": None,  # no 2022 report of 洪泽区人民政府 in the dataset
        "review_litigation.corrected_rate": 1 / 16,  # review 10/1/0, direct 0/0/0, after review 5/0/0
        "timeliness.days_late": None,  # the PDF prints no publication date
    },
    "hongze-2024": {  # new 95; granted 50, partial 9; denied 1+1+1; unable 31+1; total 95
        "requests.disclosed_rate": 59 / 95,
        "requests.denied_rate": 3 / 95,
        "requests.unable_rate": 32 / 95,
        "requests.new_change": 95 / 21 - 1,  # 95 new against 2023's 21
        "review_litigation.corrected_rate": 1 / 6,  # review 1/1/0, direct 1/0/0, after review 2/0/1
        "timeliness.days_late": None,
    },
    "huaian-2024": {  # granted 1362, partial 454; denied 2+31+5+6+8+12+9+105; unable 769+11+1; total 3050
        "requests.disclosed_rate": 1816 / 3050,
        "requests.denied_rate": 178 / 3050,
        "requests.unable_rate": 781 / 3050,
        "requests.new_change": None,
        "review_litigation.corrected_rate": 69 / 353,  # 64+4+1 of 72+64+178 + 13+4+8 + 12+1+1
        "timeliness.days_late": None,
    },
    "shuyang-fgj-2023": {  # 26 received, 26 granted; no review or lawsuit
        "requests.disclosed_rate": 1.0,
        "requests.denied_rate": 0.0,
        "requests.unable_rate": 0.0,
        "requests.new_change": None,
        "review_litigation.corrected_rate": None,  # 0 decided: the denominator is 0
        "timeliness.days_late": -14.0,  # published 2024-01-17, a department's deadline 2024-01-31
    },
    "pingtan-2023": {  # granted 22, partial 20; denied 1+1+1+2; unable 31; total 81
        "requests.disclosed_rate": 42 / 81,
        "requests.denied_rate": 5 / 81,
        "requests.unable_rate": 31 / 81,
        "requests.new_change": None,
        "review_litigation.corrected_rate": 1 / 8,  # review 1/1/0, direct 4/0/0, after review 1/0/1
        "timeliness.days_late": -23.0,  # published 2024-03-08, a government's deadline 2024-03-31
    },
}


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real reports stored by the county path, then the metrics rebuilt as a run's end does."""
    out = tmp_path_factory.mktemp("metrics") / "output"
    ctx = RunContext(out, "metrics-test")
    for code, (name, cases) in COUNTIES.items():
        results = []
        for case in cases:
            path = next((REAL / case).glob("report.*"))
            doc = extract_file(path)
            meta = DocumentMeta(
                code, sha256_file(path), doc.format, region_name=name, document_url=path.as_uri()
            )
            results.append((build_report(doc, meta, "metrics-test", dt.datetime.now(dt.UTC), False), False))
        store_county(ctx, Source(code, name, ("http://127.0.0.1/none",)), CrawlResult(code), results)
    rebuild_metrics(LocalDataset(out))
    return out


def metrics(output: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """{(case, metric): row}, the case found by the report's region and year."""
    cur = duckdb.connect().execute(f"SELECT * FROM '{output}/metrics/metrics.parquet'")
    names = [d[0] for d in cur.description]
    by_key = {(code, int(case[-4:])): case for case, code in CASE_OF.items()}
    out = {}
    for row in cur.fetchall():
        m = dict(zip(names, row, strict=True))
        out[(by_key[(m["region_code"], m["year"])], m["metric"])] = m
    return out


def test_every_metric_of_every_real_report_matches_the_hand_computed_value(output: Path) -> None:
    got = metrics(output)
    assert len(got) == 6 * len(WANT)
    for case, values in WANT.items():
        for metric, want in values.items():
            value = got[(case, metric)]["value"]
            assert (value is None) == (want is None), (case, metric, value)
            if want is not None:
                assert value == pytest.approx(want, abs=1e-12), (case, metric)
            assert got[(case, metric)]["formula_version"] == "1"


def test_numerator_and_denominator_are_the_printed_sums(output: Path) -> None:
    got = metrics(output)
    disclosed = got[("huaian-2024", "requests.disclosed_rate")]
    assert (disclosed["numerator"], disclosed["denominator"]) == (1816, 3050)
    change = got[("hongze-2024", "requests.new_change")]
    assert (change["numerator"], change["denominator"]) == (95, 21)
    zero = got[("shuyang-fgj-2023", "review_litigation.corrected_rate")]
    assert (zero["numerator"], zero["denominator"], zero["value"]) == (0, 0, None)


def test_the_deadline_basis_names_the_article_applied(output: Path) -> None:
    got = metrics(output)
    assert "第四十九条第一款" in got[("shuyang-fgj-2023", "timeliness.days_late")]["deadline_basis"]
    assert "第四十九条第二款" in got[("pingtan-2023", "timeliness.days_late")]["deadline_basis"]
    assert "第四十九条第二款" in got[("hongze-2024", "timeliness.days_late")]["deadline_basis"]
    assert report_deadline("洪泽区人民政府", 2024).date == dt.date(2025, 3, 31)
    assert report_deadline("沭阳县发展和改革局", 2023).date == dt.date(2024, 1, 31)
    assert report_deadline("高沟镇人民政府", 2023).date is None  # the 条例 sets townships no date
    assert report_deadline("沂源县财政局", 2017).date == dt.date(2018, 3, 31)  # 2007 条例 第三十一条
    assert [body_kind(a) for a in ("平潭综合实验区管委会", "城南街道办事处", None)] == [
        "government",
        "township",
        "unknown",
    ]


def test_fewer_than_five_reports_of_a_province_and_year_give_no_percentile(output: Path) -> None:
    assert all(m["province_percentile"] is None for m in metrics(output).values())


def test_percentile_among_five_peers_of_a_province_and_year() -> None:
    def rate(code: str, value: float | None, year: int = 2024) -> MetricRecord:
        return MetricRecord(f"r{code}", code, year, "2021", "requests.disclosed_rate", value, None, None, "1")

    peers = [rate("320813", 0.5), rate("320800", 0.2), rate("321322", 0.5), rate("320102", 0.9)]
    peers += [rate("320205", 0.1), rate("320206", None), rate("350128", 0.3), rate("320813", 0.4, 2023)]
    ranked = {(m.region_code, m.year): m.province_percentile for m in with_percentiles(peers)}
    # 江苏 2024 has five values 0.1 0.2 0.5 0.5 0.9: 0.5 has two below and two equal -> (2 + 1) / 5
    assert ranked[("320813", 2024)] == pytest.approx(60.0)
    assert ranked[("320205", 2024)] == pytest.approx(10.0) and ranked[("320102", 2024)] == pytest.approx(90.0)
    assert ranked[("320206", 2024)] is None  # unreadable: no value, no rank
    assert ranked[("350128", 2024)] is None and ranked[("320813", 2023)] is None  # one peer only
    assert percentile_rank(3.0, [1.0, 2.0, 3.0, 4.0, 5.0]) == pytest.approx(50.0)
