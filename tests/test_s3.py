"""`--output s3://…` against a real S3-compatible server on 127.0.0.1 (moto's server mode)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto.server import ThreadedMotoServer

from pipeline.assemble import assemble_county
from pipeline.extract.cache import ResultCache
from pipeline.extract.executor import SerialExecutor, records_for_documents
from pipeline.store.objectstore import LOCK_NAME, S3Dataset, S3Lease, S3Location
from pipeline.store.parquet import OutputLocked, write_county
from pipeline.store.schema import COUNTY_TABLES, CountyRecords
from tests.conftest import REPO, write_sources
from tests.document_jobs import fixture_jobs

BUCKET = "nianbao-test"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The standard AWS variables pointed at the local server; returns the endpoint."""
    for name, value in {
        "AWS_ENDPOINT_URL": s3_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    client = boto3.client("s3")
    if BUCKET not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=BUCKET)
    return s3_server


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> CountyRecords:
    cache = ResultCache(tmp_path_factory.mktemp("cache"))
    records = [r for r, _ in records_for_documents(fixture_jobs("run-s3"), SerialExecutor(), cache)]
    return assemble_county("370323", records)


def object_bytes(key: str) -> bytes:
    return bytes(boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())


def test_s3_objects_are_the_local_files_byte_for_byte_and_read_by_glob(
    s3_env: str, county: CountyRecords, tmp_path: Path
) -> None:
    url = f"s3://{BUCKET}/nianbao/v1"
    counts = S3Dataset(url).write_county(county)
    write_county(tmp_path, county)
    for table in COUNTY_TABLES:
        local = (tmp_path / table / "370323.parquet").read_bytes()
        assert object_bytes(f"nianbao/v1/{table}/370323.parquet") == local, table
    options = {
        "aws_endpoint_url": s3_env,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
        "aws_region": "us-east-1",
        "aws_allow_http": "true",
    }
    facts = pl.read_parquet(f"{url}/facts/*.parquet", storage_options=options)
    assert facts.height == counts["facts"] > 100
    assert facts["region_code"].dtype == pl.String and set(facts["region_code"]) == {"370323"}
    assert facts.equals(pl.read_parquet(str(tmp_path / "facts" / "*.parquet")))


def test_a_county_that_fails_to_serialise_leaves_its_old_objects(s3_env: str, county: CountyRecords) -> None:
    dataset = S3Dataset(f"s3://{BUCKET}/atomic")
    dataset.write_county(county)
    before = {t: object_bytes(f"atomic/{t}/370323.parquet") for t in COUNTY_TABLES}
    broken = dataclasses.replace(county.facts[0], value="not a number")  # type: ignore[arg-type]
    bad = dataclasses.replace(county, facts=[broken, *county.facts[1:]], reports=[])
    with pytest.raises(Exception, match=r"not a number|float|double"):
        dataset.write_county(bad)
    assert {t: object_bytes(f"atomic/{t}/370323.parquet") for t in COUNTY_TABLES} == before
    back = dataset.read_county("reports", "370323")
    assert back is not None and back.num_rows == len(county.reports)


def test_two_runs_never_write_one_s3_output_at_once(s3_env: str) -> None:
    location = S3Location.parse(f"s3://{BUCKET}/locked")
    first = S3Lease(location)
    with first.held():
        with pytest.raises(OutputLocked, match="another nianbao run"):
            S3Lease(location).acquire()
        with S3Lease(S3Location.parse(f"s3://{BUCKET}/elsewhere")).held():
            pass  # another output is another lock
    with S3Lease(location).held():  # released: the next run takes it
        assert object_bytes(f"locked/{LOCK_NAME}")


def test_a_dead_holders_expired_lease_is_taken_over(s3_env: str) -> None:
    location = S3Location.parse(f"s3://{BUCKET}/dead-holder")
    S3Lease(location, lease_seconds=0.5).acquire()  # acquired, never renewed nor released: its run died
    time.sleep(0.6)  # its own `expires` hint has passed; the successor still watches it 0.5 s itself
    successor = S3Lease(location)
    with successor.held():
        assert successor.owner.encode() in object_bytes(f"dead-holder/{LOCK_NAME}")


def without_run_id(table: pa.Table) -> pa.Table:
    """The rows without what says which run wrote them (report_versions' last_seen is that run's time)."""
    return table.drop_columns([c for c in ("run_id", "last_seen") if c in table.column_names])


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_a_nightly_run_to_s3_writes_the_rows_a_local_run_writes(
    s3_env: str, demo_portal: str, tmp_path: Path
) -> None:
    from flows.nightly import nightly

    sources = str(write_sources(tmp_path / "sources.yaml", demo_portal))
    work, local = tmp_path / "work", tmp_path / "local"
    to_s3 = nightly(sources=sources, output=f"s3://{BUCKET}/flow", work=str(work), workers=2)
    assert {c["region_code"] for c in to_s3["counties"] if c["written"]} == {"370321", "370322", "370323"}
    assert not list((work).glob("reports/*.parquet"))  # the dataset went to S3, local state stayed here
    local.mkdir()
    for state in ("_archive", "_cache"):  # same archive and caches: same fetched_at and extracted_at
        shutil.copytree(work / state, local / state)
    nightly(sources=sources, output=str(local), workers=1)
    options = {"aws_endpoint_url": s3_env, "aws_allow_http": "true"}
    glob = pl.read_parquet(f"s3://{BUCKET}/flow/reports/*.parquet", storage_options=options)
    assert glob.height == pl.read_parquet(str(local / "reports" / "*.parquet")).height == 10
    dataset = S3Dataset(f"s3://{BUCKET}/flow")
    for name in COUNTY_TABLES:
        for code in ("370321", "370322", "370323"):
            remote = dataset.read_county(name, code)
            assert remote is not None
            here = pq.read_table(local / name / f"{code}.parquet")
            assert without_run_id(remote).equals(without_run_id(here)), (name, code)


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_a_run_refuses_an_s3_output_another_run_holds(s3_env: str, demo_portal: str, tmp_path: Path) -> None:
    from flows.nightly import nightly

    sources = str(write_sources(tmp_path / "sources.yaml", demo_portal))
    with S3Lease(S3Location.parse(f"s3://{BUCKET}/held")).held(), pytest.raises(OutputLocked):
        nightly(sources=sources, output=f"s3://{BUCKET}/held", work=str(tmp_path / "work"), workers=1)


def test_a_run_that_lost_its_lease_writes_nothing_more(s3_env: str, county: CountyRecords) -> None:
    dataset = S3Dataset(f"s3://{BUCKET}/stolen")
    key = f"stolen/{LOCK_NAME}"
    with dataset.lock(lease_seconds=0.3):  # renewed every 0.1 s
        boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=b'{"owner": "another run"}')
        for _ in range(100):  # the next renewal finds the lock changed under it
            if dataset._lease is not None and dataset._lease.lost:
                break
            time.sleep(0.05)
        with pytest.raises(OutputLocked, match="lost its lock"):
            dataset.write_county(county)
    assert b"another run" in object_bytes(key)  # leaving, it did not delete the other run's lock


STALLED_HOLDER = """
import sys
from pipeline.store.objectstore import S3Dataset
from pipeline.store.parquet import OutputLocked
from pipeline.store.schema import CountyRecords

dataset = S3Dataset(sys.argv[1])
with dataset.lock(lease_seconds=1.5):
    dataset.write_county(CountyRecords("370323"))
    print("holding", flush=True)
    sys.stdin.readline()  # stopped (SIGSTOP) here, past its lease; then woken up
    try:
        dataset.write_county(CountyRecords("370323"))
        print("wrote", flush=True)
    except OutputLocked as exc:
        print("fenced:", exc, flush=True)
"""


def acquire_when_free(stack: contextlib.ExitStack, dataset: S3Dataset, lease_seconds: float) -> None:
    """Takes the dataset's lock as soon as it can (the holder's own `expires` hint must pass first)."""
    for _ in range(60):
        try:
            stack.enter_context(dataset.lock(lease_seconds=lease_seconds))
            return
        except OutputLocked:
            time.sleep(0.5)
    raise AssertionError("the stalled holder's lease was never taken over")


def test_a_stalled_holder_past_its_lease_cannot_overwrite_the_next_holder(
    s3_env: str, county: CountyRecords
) -> None:
    url = f"s3://{BUCKET}/stalled"
    holder = subprocess.Popen(
        [sys.executable, "-c", STALLED_HOLDER, url],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "holding"
        os.kill(holder.pid, signal.SIGSTOP)  # a stall: GC pause, swapped out, a frozen VM
        successor = S3Dataset(url)
        with contextlib.ExitStack() as stack:
            acquire_when_free(stack, successor, lease_seconds=30)
            successor.write_county(county)
            ours = object_bytes("stalled/reports/370323.parquet")
            os.kill(holder.pid, signal.SIGCONT)
            holder.stdin.write("go\n")
            holder.stdin.flush()
            said = holder.stdout.readline()
            assert said.startswith("fenced: this run lost its lock"), said
            assert object_bytes("stalled/reports/370323.parquet") == ours
            assert successor._lease is not None and successor._lease.owner.encode() in object_bytes(
                f"stalled/{LOCK_NAME}"
            )  # the stalled run, leaving, did not delete the successor's lock
        assert holder.wait(timeout=30) == 0
    finally:
        if holder.poll() is None:
            os.kill(holder.pid, signal.SIGCONT)
            holder.kill()


def test_counties_written_side_by_side_never_mistake_each_others_renewals_for_a_takeover(
    s3_env: str, county: CountyRecords
) -> None:
    """Each write renews the lease first; renewals from several threads at once stay one run's."""
    dataset = S3Dataset(f"s3://{BUCKET}/side-by-side")
    with dataset.lock(lease_seconds=30), ThreadPoolExecutor(6) as pool:
        codes = [f"37030{i}" for i in range(6)] * 2
        written = list(
            pool.map(lambda code: dataset.write_county(dataclasses.replace(county, region_code=code)), codes)
        )
        assert dataset._lease is not None and not dataset._lease.lost
    assert len(written) == 12
