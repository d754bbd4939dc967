"""Sentence splitting of a section's prose: after 。！？； and line breaks, never inside paired marks."""

from __future__ import annotations

TERMINATORS = frozenset("。！？；")
PAIRS = {"“": "”", "‘": "’", "《": "》", "〈": "〉", "「": "」", "『": "』"}
TRAILING_CLOSERS = frozenset("”’》〉」』）)")
# A quote longer than this is taken to be unbalanced and does not protect anything.
MAX_PROTECTED_CHARS = 400


def matching_close(text: str, start: int) -> int | None:
    """Index of the mark closing the one at `start` (same-kind nesting counted), or None."""
    opener, closer = text[start], PAIRS[text[start]]
    depth = 0
    for i in range(start, min(len(text), start + MAX_PROTECTED_CHARS)):
        if text[i] == opener and opener != closer:
            depth += 1
        elif text[i] == closer:
            depth -= 1
            if depth == 0:
                return i
    return None


def skip_closers(text: str, i: int) -> int:
    while i < len(text) and (text[i] in TRAILING_CLOSERS or text[i] in TERMINATORS):
        i += 1
    return i


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace trimmed; never inside “…” or 《…》."""
    bounds, start, i = [], 0, 0
    while i < len(text):
        ch = text[i]
        close = matching_close(text, i) if ch in PAIRS else None
        if close is not None:
            i = close + 1
            if text[close - 1] in "。！？":  # “……。” ends the sentence after the quote
                i = skip_closers(text, i)
                bounds.append((start, i))
                start = i
            continue
        if ch in TERMINATORS:
            i = skip_closers(text, i + 1)
            bounds.append((start, i))
            start = i
            continue
        if ch in "\r\n":
            bounds.append((start, i))
            start = i + 1
        i += 1
    bounds.append((start, len(text)))
    return [trimmed for b in bounds if (trimmed := trim_span(text, *b))]


def trim_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def split_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]
