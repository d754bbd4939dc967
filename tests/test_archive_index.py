"""The raw archive's index is per county: a county's crawl reads only its own rows."""

from __future__ import annotations

from pathlib import Path

from pipeline.crawl.archive import Archive, ManifestRow, manifest_path, read_manifest


def fetched(archive: Archive, url: str, body: bytes, at: str, status: int = 200) -> ManifestRow:
    stored = archive.store_bytes(body)
    row = ManifestRow(url, at, status, "application/pdf", stored.sha256, stored.size, etag='"e1"')
    archive.record(row)
    return row


def test_each_county_reads_and_writes_only_its_own_index(tmp_path: Path) -> None:
    a, b = Archive(tmp_path, "370323"), Archive(tmp_path, "370324")
    fetched(a, "http://a.example/r.pdf", b"%PDF a", "2026-12-01T00:00:00+00:00")
    fetched(b, "http://b.example/r.pdf", b"%PDF b", "2026-12-01T00:00:00+00:00")
    again = Archive(tmp_path, "370323")
    assert again.latest_body("http://a.example/r.pdf") is not None
    assert again.latest_body("http://b.example/r.pdf") is None
    assert [r.url for r in read_manifest(manifest_path(tmp_path, "370324"))] == ["http://b.example/r.pdf"]
    assert not manifest_path(tmp_path, None).exists()


def test_a_county_adopts_what_it_reuses_from_the_old_single_manifest(tmp_path: Path) -> None:
    old = Archive(tmp_path)  # an archive written before per-county indexes
    url = "http://a.example/r.pdf"
    first = fetched(old, url, b"%PDF a", "2026-11-01T00:00:00+00:00")
    fetched(old, url, b"%PDF a", "2026-11-02T00:00:00+00:00", status=304)
    fetched(old, "http://b.example/r.pdf", b"%PDF b", "2026-11-01T00:00:00+00:00")
    county = Archive(tmp_path, "370323")
    assert county.latest_body(url) is not None
    adopted = list(read_manifest(manifest_path(tmp_path, "370323")))
    assert {r.url for r in adopted} == {url}  # only what this county reused
    later = Archive(tmp_path, "370323")  # its own index now: the old manifest is not read again
    assert later._legacy is None
    row = later.latest_body(url)
    assert row is not None and row.etag == '"e1"' and row.fetched_at == "2026-11-02T00:00:00+00:00"
    assert later.first_fetched_at(first.sha256 or "") == first.fetched_at_dt


def test_a_county_index_stays_as_short_as_what_it_indexes(tmp_path: Path) -> None:
    archive = Archive(tmp_path, "370323")
    url = "http://a.example/r.pdf"
    first = fetched(archive, url, b"%PDF a", "2026-01-01T00:00:00+00:00")
    for night in range(1, 400):  # a year of nights answering 304 for the same bytes
        fetched(archive, url, b"%PDF a", f"2026-01-01T00:00:{night % 60:02d}+00:00", status=304)
    again = Archive(tmp_path, "370323")  # compacts on opening
    rows = list(read_manifest(manifest_path(tmp_path, "370323")))
    assert len(rows) <= 2  # the first download and the latest row
    assert again.first_fetched_at(first.sha256 or "") == first.fetched_at_dt
    assert again.latest_body(url) == archive.latest_body(url)  # the same index as before compacting
    history = manifest_path(tmp_path, "370323").with_suffix(".history.jsonl")
    assert len(rows) + len(history.read_bytes().splitlines()) == 400  # every row kept somewhere
