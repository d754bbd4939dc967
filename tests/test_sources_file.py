"""The sources file is validated by a schema: a wrong type, an unknown key or a bad code exits 2,
naming the source and the field, before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.cli import main
from pipeline.crawl.sources import load_sources
from tests.conftest import REPO

GOOD = {
    "region_code": "370323",
    "region_name": "沂源县",
    "listing_urls": ["http://127.0.0.1:1/col/col1/index.html"],
}


def run_with(tmp_path: Path, capsys: pytest.CaptureFixture[str], **fields: object) -> str:
    sources = tmp_path / "sources.yaml"
    entries = [GOOD | {"region_code": "370322", "region_name": "高青县"}, GOOD | fields]
    sources.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True), encoding="utf-8")
    status = main(["run", "--sources", str(sources), "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2, err
    assert not (tmp_path / "out").exists(), "nothing may run on a bad sources file"
    return err


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"allowed_hosts": "files.example.gov.cn"}, "allowed_hosts: Input should be a valid list"),
        ({"pause_seconds": "0.5"}, "pause_seconds: Input should be a valid number"),
        ({"pause_seconds": -1}, "pause_seconds: Input should be greater than or equal to 0"),
        ({"max_pages": 2.5}, "max_pages: Input should be a valid integer"),
        ({"paused": "no"}, "paused: Input should be a valid boolean"),
        ({"listing_url": ["http://x.gov.cn/"]}, "listing_url: unknown field"),
        ({"region_code": 370323}, "region_code: Input should be a valid string"),
        ({"region_code": "37032"}, "region_code: must be a 6-digit string in quotes, got '37032'"),
        ({"listing_urls": ["ftp://x.gov.cn/list"]}, "listing_urls.0: Value error, not an http(s) URL"),
        ({"listing_urls": []}, "listing_urls must be a non-empty list"),
    ],
)
def test_a_bad_field_exits_2_naming_the_source_and_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fields: dict[str, object], named: str
) -> None:
    err = run_with(tmp_path, capsys, **fields)
    assert "entry 2" in err and named in err, err
    assert "沂源县" in err


def test_the_registry_and_the_demo_sources_are_valid() -> None:
    china = load_sources(REPO / "sources" / "china.yaml")
    assert len(china) > 100 and all(s.region_code.isdigit() for s in china)
    assert any(s.extra.get("cms_shape") for s in china)  # the registry's notes are kept
    assert [s.pause_seconds for s in load_sources(REPO / "demo" / "sources.yaml")] == [
        0.0
    ] * 3  # written as the integer 0: a number
