"""Segmentation measured on terms the dictionary does not hold, in the sentences of real and
fixture reports (the held-out list of bench/nlp_terms_heldout.txt, kept out of the dictionary).

The dictionary's own terms coming out whole (tests/test_nlp.py) shows the dictionary loads; these
show what the tokenizer does with words nobody listed: it must not cut through them, and the
share it keeps whole must not fall (docs/benchmarks-nlp.md has the bench's numbers)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline import nlp

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
# A held-out term that is not the right reading where it occurs: 政府信息公开|工作人员.
NOT_THE_TERM_HERE = {("政府信息公开工作", "工作人员")}


def held_out_terms() -> list[str]:
    lines = (ROOT / "bench" / "nlp_terms_heldout.txt").read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip() and not w.startswith("#")]


# A fixed corpus, so that the share measures the tokenizer, not which fixtures were added since.
CORPUS = [
    "docx-2021",
    "html-2019-gbk",
    "html-2019-header-charset",
    "html-2021-cms",
    "html-2021-deviating",
    "html-pre2019",
    "pdf-2019-stsong",
    "pdf-2021-horizontal-rules",
    "pdf-2021-libreoffice",
    "pdf-2021-pagebreak-in-group",
    "pdf-2021-ttf",
    "pdf-scanned",
    "real/hongze-2023",
    "real/hongze-2024",
    "real/huaian-2024",
    "real/pingtan-2023",
    "real/pingtan-2023-printed",
    "real/shuyang-fgj-2023",
    "real/shuyang-fgj-2023-printed",
    "same-2021-docx",
    "same-2021-html",
    "same-2021-pdf",
    "scan-2021-ttf",
    "scan-huaian-2024",
    "scan-mixed-2021",
    "seed-2019",
]


def report_sentences() -> list[str]:
    texts = []
    for golden in (FIXTURES / case / "expected.json" for case in CORPUS):
        expected = json.loads(golden.read_text(encoding="utf-8"))
        texts += [s.get("text") or "" for s in expected.get("sections", [])]
    return [s for s in re.split(r"[。；\n]", "\n".join(texts)) if s.strip()]


def token_spans(sentence: str) -> list[tuple[int, int, str]]:
    spans, pos = [], 0
    for token in nlp.tokenize(sentence):
        start = sentence.index(token, pos)
        spans.append((start, start + len(token), token))
        pos = start + len(token)
    return spans


def occurrences() -> list[tuple[str, str, int]]:
    found = []
    for term in held_out_terms():
        for sentence in report_sentences():
            found += [(term, sentence, m.start()) for m in re.finditer(re.escape(term), sentence)]
    return found


def test_no_token_cuts_through_a_term_the_dictionary_does_not_hold() -> None:
    seen = occurrences()
    assert len(seen) >= 100, "too few held-out terms in the report texts to measure anything"
    cut = []
    for term, sentence, start in seen:
        end = start + len(term)
        for a, b, token in token_spans(sentence):
            crosses = a < start < b or a < end < b
            if crosses and not (a <= start and b >= end) and (term, token) not in NOT_THE_TERM_HERE:
                cut.append(f"{term} cut by {token!r} in {sentence[max(0, a - 8) : b + 8]}")
    assert cut == []


def test_the_share_of_held_out_terms_kept_whole_does_not_fall() -> None:
    seen = occurrences()
    whole = sum(term in nlp.tokenize(sentence) for term, sentence, _ in seen)
    assert whole / len(seen) >= 0.30, f"{whole} of {len(seen)} held-out occurrences whole (was 49/159)"
