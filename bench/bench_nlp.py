"""Benchmark of pipeline.nlp: terms kept whole, entity precision/recall, throughput, build time.

    .venv/bin/python bench/bench_nlp.py            # prints a Markdown report

Terms: each term is embedded in the same running-text contexts as tests/test_nlp.py and counts as
whole only if it is one token in every context. Entities: exact match of (start, end, label)
against the hand-labelled sections in tests/data/entities_gold.jsonl. Throughput: analyse_section
over the gold sections plus the seed report's text, repeated, after the pipeline is built.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import nlp  # noqa: E402

SEED = ROOT / "tests" / "fixtures" / "seed-2019" / "seed.txt"
GOLD = ROOT / "tests" / "data" / "entities_gold.jsonl"
TERM_CONTEXTS = ("根据{}的要求，我县进一步做好相关工作。", "全年围绕{}开展专题培训。", "认真落实{}，", "{}")


def read_terms(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip() and not w.startswith("#")]


def whole_terms(terms: list[str]) -> tuple[int, list[str]]:
    split = [t for t in terms if any(t not in nlp.tokenize(c.format(t)) for c in TERM_CONTEXTS)]
    return len(terms) - len(split), split


def entity_scores(rows: list[dict[str, object]]) -> dict[str, tuple[int, int, int]]:
    """label -> (true positives, predicted, expected); key 'all' for the total."""
    tp: Counter[str] = Counter()
    pred: Counter[str] = Counter()
    gold: Counter[str] = Counter()
    for row in rows:
        expected = {(s, e, lab) for s, e, lab in row["entities"]}  # type: ignore[attr-defined]
        found = {(x.start_char, x.end_char, x.label) for x in nlp.find_entities(str(row["text"]))}
        for counter, spans in ((tp, expected & found), (pred, found), (gold, expected)):
            for *_, label in spans:
                counter[label] += 1
                counter["all"] += 1
    return {label: (tp[label], pred[label], gold[label]) for label in sorted(gold | pred)}


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def cold_build_seconds() -> float:
    """Build in a fresh process with an empty jieba cache (the worst case)."""
    code = "import time; t=time.perf_counter(); from pipeline import nlp; nlp.build_pipeline(); "
    code += "print(time.perf_counter()-t)"
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NIANBAO_JIEBA_CACHE": cache}
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    return float(out.stdout.strip())


def throughput(texts: list[str], repeats: int) -> tuple[int, float, float]:
    chars = sum(len(t) for t in texts) * repeats
    start = time.perf_counter()
    for _ in range(repeats):
        for text in texts:
            nlp.analyse_section(text)
    analyse = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(repeats):
        for text in texts:
            nlp.tokenize(text)
    return chars, chars / analyse, chars / (time.perf_counter() - start)


def main() -> int:
    start = time.perf_counter()
    nlp.build_pipeline()
    warm_build = time.perf_counter() - start
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]

    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.platform()}; date {dt.date.today().isoformat()}\n"
    )
    print("## Build\n")
    print(f"- first `build_pipeline()` in this process (jieba cache warm): {warm_build:.2f} s")
    print(f"- in a fresh process with an empty jieba cache (import included): {cold_build_seconds():.2f} s\n")

    print("## Terms kept whole\n")
    for name, path in (
        ("domain_terms (test list)", ROOT / "tests/data/domain_terms.txt"),
        ("held-out", ROOT / "bench/nlp_terms_heldout.txt"),
    ):
        terms = read_terms(path)
        whole, split = whole_terms(terms)
        print(f"- {name}: {whole}/{len(terms)} = {ratio(whole, len(terms))}")
        if split:
            print(f"  - split: {' '.join(split)}")
    print("\n## Entities (exact span and label)\n")
    print(f"{len(rows)} hand-labelled sections.\n")
    print("| label | gold | predicted | correct | precision | recall |")
    print("|---|---|---|---|---|---|")
    for label, (tp, pred, gold) in entity_scores(rows).items():
        print(f"| {label} | {gold} | {pred} | {tp} | {ratio(tp, pred)} | {ratio(tp, gold)} |")

    texts = [str(r["text"]) for r in rows] + [SEED.read_text(encoding="utf-8")]
    chars, analyse_cps, tokenize_cps = throughput(texts, repeats=5)
    print("\n## Throughput\n")
    print(f"- corpus: {len(texts)} texts, {chars} characters (5 passes)")
    print(f"- `analyse_section`: {analyse_cps:,.0f} characters/s")
    print(f"- `tokenize` alone: {tokenize_cps:,.0f} characters/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
