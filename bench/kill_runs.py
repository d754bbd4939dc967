"""Kill a demo pipeline run 50 times at random moments; after each kill check the dataset reads whole.

    .venv/bin/python bench/kill_runs.py [--kills 50] [--seed 1]

Uses the same target and checks as tests/test_kill.py (`tests/kill_target.py`, `dataset_problems`).
Every fifth run starts with a fresh archive and extraction cache, so kills land in downloads and
extraction too, not only in the cached replay. Prints one line per kill and the counts at the end.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.test_kill import dataset_problems, free_port, kill_after, start_target  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    counts: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        output, port = Path(tmp) / "output", free_port()
        for i in range(args.kills):
            delay = rng.uniform(0.0, 8.0)
            out = kill_after(start_target(output, i % 5 == 0, port), delay)
            problems = dataset_problems(output)
            finished = "run complete" in out
            counts["finished before the kill" if finished else "killed"] += 1
            counts["dataset broken" if problems else "dataset whole"] += 1
            stale = next((ln for ln in out.splitlines() if ln.startswith("stale staging")), "")
            counts["runs that found stale staging files"] += stale.strip() not in (
                "",
                "stale staging files removed: 0",
            )
            what = "finished" if finished else "killed  "
            print(f"{i:3d} kill at {delay:4.1f}s  {what}  {stale}  {problems or 'ok'}", flush=True)
        final = start_target(output, False, port)
        out, _ = final.communicate(timeout=600)
        problems = dataset_problems(output)
        counts["final run completed"] += final.returncode == 0 and "run complete" in out and not problems
    for key, n in sorted(counts.items()):
        print(f"{n:4d}  {key}")
    return 1 if counts["dataset broken"] or not counts["final run completed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
