"""A short mutation fuzz of `extract_file` for PDF, HTML and DOCX bytes (fixtures in tests/fixtures/).

    .venv/bin/python bench/fuzz_entry_points.py [--cases 300] [--seconds 20] [--seed 1]

Each case takes a fixture, applies hypothesis-drawn mutations (flip/overwrite/insert/delete byte
runs, truncate, splice two fixtures) and runs `extract_file` in a worker with a time limit
(`extract_limited` would hide crashes: it turns them into a status). A crash is any exception
escaping `extract_file`; a hang is a case past `--seconds`. Prints counts per format and the
first crashes found (with the mutated file kept under /tmp for a rerun).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.extract.worker import extract_file  # noqa: E402  (imported once; each case forks from here)

FIXTURES = {
    "pdf": REPO / "tests/fixtures/pdf-2021-ttf/report.pdf",
    "html": REPO / "tests/fixtures/html-2021-cms/report.html",
    "docx": REPO / "tests/fixtures/docx-2021/report.docx",
}
KEEP = Path(tempfile.gettempdir()) / "nianbao-fuzz"


def mutations(size: int) -> st.SearchStrategy[list[tuple[str, int, int, int]]]:
    op = st.tuples(
        st.sampled_from(["flip", "overwrite", "insert", "delete", "truncate", "duplicate"]),
        st.integers(0, max(size - 1, 0)),
        st.integers(1, 64),
        st.integers(0, 255),
    )
    return st.lists(op, min_size=1, max_size=6)


def mutate(data: bytes, ops: list[tuple[str, int, int, int]]) -> bytes:
    buf = bytearray(data)
    for kind, at, length, byte in ops:
        at = min(at, len(buf))
        if kind == "flip":
            for i in range(at, min(at + length, len(buf))):
                buf[i] ^= 1 << (byte % 8)
        elif kind == "overwrite":
            buf[at : at + length] = bytes([byte]) * length
        elif kind == "insert":
            buf[at:at] = bytes([byte]) * length
        elif kind == "delete":
            del buf[at : at + length]
        elif kind == "truncate":
            del buf[at:]
        else:
            buf[at:at] = buf[at : at + length * 16]
    return bytes(buf)


def _worker(path: str, fmt: str, conn: object) -> None:
    try:
        doc = extract_file(Path(path), fmt)
        message = ("ok", f"{doc.status}|{(doc.problems or [''])[0][:60]}")
    except BaseException as exc:  # the point: anything escaping extract_file
        message = ("crash", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}")
    conn.send(message)  # type: ignore[attr-defined]


def run_case(path: Path, fmt: str, seconds: float) -> tuple[str, str]:
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(str(path), fmt, sender))
    proc.start()
    sender.close()
    if not receiver.poll(seconds):
        proc.kill()
        proc.join()
        return "hang", f"past {seconds} s"
    try:
        result: tuple[str, str] = receiver.recv()
    except EOFError:
        proc.join()
        result = ("crash", f"worker died (exit code {proc.exitcode})")
    proc.join()
    return result


def fuzz(fmt: str, cases: int, seconds: float, seed: int) -> Counter[str]:
    base = FIXTURES[fmt].read_bytes()
    counts: Counter[str] = Counter()
    KEEP.mkdir(exist_ok=True)

    @settings(max_examples=cases, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(mutations(len(base)))
    def one(ops: list[tuple[str, int, int, int]]) -> None:
        path = KEEP / f"case-{fmt}-{counts.total()}.{fmt}"
        path.write_bytes(mutate(base, ops))
        outcome, detail = run_case(path, fmt, seconds)
        counts[outcome] += 1
        if outcome == "ok":
            counts["status " + detail.split("|")[0]] += 1
            path.unlink()
        else:
            print(f"{fmt} {outcome}: {path}\n  {detail.strip()[:600]}", flush=True)

    from hypothesis import seed as hypothesis_seed

    hypothesis_seed(seed)(one)()
    return counts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", default="pdf,html,docx")
    args = parser.parse_args()
    bad = 0
    for fmt in args.formats.split(","):
        counts = fuzz(fmt, args.cases, args.seconds, args.seed)
        bad += counts["crash"] + counts["hang"]
        print(f"{fmt}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
