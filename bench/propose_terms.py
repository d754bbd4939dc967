"""Propose dictionary terms: frequent runs of 2-4 adjacent tokens that the current pipeline splits.

For human review, never applied automatically. Input: text files (a whole file is one text),
.jsonl files with a "text" field per line (e.g. tests/data/entities_gold.jsonl), or fixture
expected.json files (their "sections" texts). Tokens are those of nlp.tokenize, compounds merged.
Output, best first:
count, the candidate, and a userdict line to paste into pipeline/nlp/data/userdict.txt if it is a term.

    .venv/bin/python bench/propose_terms.py tests/fixtures/seed-2019/seed.txt tests/fixtures/*/expected.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import nlp

HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")


def read_texts(paths: Iterable[Path]) -> Iterator[str]:
    for path in paths:
        if path.suffix == ".json":  # a fixture's expected.json: its sections' texts
            for section in json.loads(path.read_text(encoding="utf-8")).get("sections", []):
                if section.get("text"):
                    yield str(section["text"])
        elif path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    yield str(json.loads(line)["text"])
        else:
            yield path.read_text(encoding="utf-8")


def token_ngrams(tokens: list[str], sizes: range, stop: frozenset[str]) -> Iterator[str]:
    """Joined n-grams of Chinese tokens: no punctuation, no stop word at either end, no one-character
    stop word inside except 和 (住房和城乡建设局)."""
    for n in sizes:
        for i in range(len(tokens) - n + 1):
            gram = tokens[i : i + n]
            ends_ok = gram[0] not in stop and gram[-1] not in stop
            inner_ok = all(len(t) > 1 or t == "和" or t not in stop for t in gram[1:-1])
            if ends_ok and inner_ok and all(HAN_RUN.fullmatch(t) for t in gram):
                yield "".join(gram)


def propose(texts: Iterable[str], min_count: int, max_len: int) -> list[tuple[str, int]]:
    stop = nlp.load_stopwords()
    known = {w for w, _, _ in nlp.read_userdict()}
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(g for g in token_ngrams(nlp.tokenize(text), range(2, 5), stop) if len(g) <= max_len)
    candidates = [(g, c) for g, c in counts.items() if c >= min_count and g not in known]
    # Drop a candidate when a longer one containing it is as frequent: keep the whole term.
    kept = [
        (g, c)
        for g, c in candidates
        if not any(g != other and g in other and oc >= c for other, oc in candidates)
    ]
    return sorted(kept, key=lambda gc: (-gc[1], -len(gc[0]), gc[0]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--max-len", type=int, default=12, help="longest candidate in characters")
    parser.add_argument("--top", type=int, default=100)
    args = parser.parse_args(argv)
    for gram, count in propose(read_texts(args.paths), args.min_count, args.max_len)[: args.top]:
        print(f"{count}\t{gram}\t{gram} 1000 n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
