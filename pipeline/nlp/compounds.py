"""The compound-merging pass: domain terms the dictionary does not list, made from parts it does."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass

import jieba

from pipeline.nlp.entities import NOT_ORG_ENDINGS, is_place_like, leading_particle_chars, org_spans, word_set
from pipeline.nlp.jieba_setup import load_stopwords, prepare_jieba, read_userdict

# --------------------------------------------------------------------------------------
# Compounds: domain terms the dictionary does not list, made from parts it does.
# --------------------------------------------------------------------------------------

# Productive heads of the reports' compound nouns (政务服务, 政府信息公开专栏, 卫生健康局). Not 公开: after
# a noun it is as often a verb (向社会公开, 在网站公开) as a head (决策公开), and the two look alike.
HEAD_WORDS = word_set("局 委员会 办公室 中心 专栏 平台 清单 服务 信息")
# Heads that name content, not a container: after a verbal word they read as its object
# (主动公开/信息 is "to publish information"), so they close a compound only after a noun.
CONTENT_HEADS = word_set("服务 信息")
# Words too generic to take part: 全县政务公开工作 is a phrase, not a term.
GENERIC_WORDS = word_set("工作 情况 问题 方面 内容 建设 管理 发展 水平 要求 能力 质量 部分 过程 无法")
# jieba's part-of-speech tags of nouns (n, place, organisation, abbreviation j, distinguishing word b,
# idiom l); verbal nouns (vn: 服务, 审批) may continue a compound but not start one, where they read
# as a verb taking the rest as its object (优化/政务公开专栏).
NOUN_TAGS = frozenset({"n", "nz", "nt", "nr", "ns", "j", "b", "an", "l"})
MIN_HEAD_TERMS = 2
MAX_COMPOUND_CHARS = 10
MAX_COMPOUND_TOKENS = 4
MAX_DEPARTMENT_CHARS = 12


@dataclass(frozen=True, slots=True)
class CompoundGrammar:
    """Words that may start and continue a compound (nouns), continue it (verbals), start it right
    before a head (verbal_terms: dictionary terms ending in a verb, 政府信息公开), or close it (heads)."""

    nouns: frozenset[str]
    verbals: frozenset[str]
    verbal_terms: frozenset[str]
    heads: frozenset[str]


def jieba_tags(words: set[str]) -> dict[str, str]:
    """jieba's dictionary part-of-speech tag of each of `words` that it lists."""
    tags = {}
    with open(jieba.dt.get_dict_file().name, encoding="utf-8") as dictionary:
        for line in dictionary:
            word, _, tag = line.rstrip("\n").partition(" ")
            if word in words:
                tags[word] = tag.rpartition(" ")[2]
    return tags


def learn_compound_grammar(
    terms: list[tuple[str, int, str]], parts_of: dict[str, list[str]], tags: dict[str, str]
) -> CompoundGrammar:
    """From the dictionary's terms as jieba splits them: their inner parts are modifiers (nouns or
    verbals by jieba's tag; verbs and adverbs are left out), the plain terms themselves are
    modifiers (a noun if their last part is a noun), and a noun that closes at least
    MIN_HEAD_TERMS terms is a head, as are HEAD_WORDS."""
    stop = load_stopwords() | GENERIC_WORDS
    nouns: set[str] = set()
    verbals: set[str] = set()
    verbal_terms: set[str] = set()
    closing: Counter[str] = Counter()
    for word, freq, tag in terms:
        parts = parts_of[word]
        if freq <= 0:
            continue
        if len(parts) > 1:
            closing[parts[-1]] += 1
            for part in parts[:-1]:
                if len(part) > 1 and tags.get(part) in NOUN_TAGS:
                    nouns.add(part)
                elif len(part) > 1 and tags.get(part) == "vn":
                    verbals.add(part)
        if tag == "n":
            (nouns if tags.get(parts[-1]) in NOUN_TAGS else verbal_terms).add(word)
    heads = {w for w, n in closing.items() if n >= MIN_HEAD_TERMS and len(w) > 1 and tags.get(w) in NOUN_TAGS}
    return CompoundGrammar(
        nouns=frozenset(nouns - stop),
        verbals=frozenset((verbals | verbal_terms) - stop - nouns),
        verbal_terms=frozenset(verbal_terms - stop - nouns),
        heads=frozenset(heads | HEAD_WORDS),
    )


@functools.lru_cache(maxsize=1)
def compound_grammar() -> CompoundGrammar:
    """Learnt once from the domain dictionary as plain jieba segments it (HMM off); build_pipeline
    calls it before it loads the dictionary into jieba, which would keep the terms whole."""
    prepare_jieba()
    terms = read_userdict()
    parts_of = {word: jieba.lcut(word, HMM=False) for word, _, _ in terms}
    return learn_compound_grammar(terms, parts_of, jieba_tags({p for ps in parts_of.values() for p in ps}))


def is_head(word: str, grammar: CompoundGrammar) -> bool:
    if word in grammar.heads:
        return True
    # A longer word ending in a head (服务平台, 建设局), but not 大局, 格局.
    return len(word) > 2 and word.endswith(tuple(HEAD_WORDS)) and not word.endswith(NOT_ORG_ENDINGS)


def closes_compound(words: list[str], j: int, grammar: CompoundGrammar) -> bool:
    return is_head(words[j], grammar) and (words[j] not in CONTENT_HEADS or words[j - 1] in grammar.nouns)


def compound_end(words: list[str], i: int, grammar: CompoundGrammar) -> int:
    """Index of the last token of the longest compound starting at token i, or i (none)."""
    if words[i] in grammar.verbal_terms:  # only right before a head: 政府信息公开/专栏
        nxt = i + 1
        fits = nxt < len(words) and len(words[i]) + len(words[nxt]) <= MAX_COMPOUND_CHARS
        return nxt if fits and closes_compound(words, nxt, grammar) else i
    if words[i] not in grammar.nouns:
        return i
    best, chars = i, len(words[i])
    for j in range(i + 1, min(len(words), i + MAX_COMPOUND_TOKENS)):
        chars += len(words[j])
        if chars > MAX_COMPOUND_CHARS:
            break
        if closes_compound(words, j, grammar):
            best = j
        # 住房和城乡建设局: 和 only between two nouns.
        joins = words[j] == "和" and j + 1 < len(words) and words[j + 1] in grammar.nouns
        if not (words[j] in grammar.nouns or words[j] in grammar.verbals or joins):
            break
    return best


def department_ranges(words: list[str], grammar: CompoundGrammar) -> dict[int, int]:
    """first token -> last token of each department name in an ORG: after its last place word
    (县/住房和城乡建设局, 果里/镇/人民政府), or else the run of compound words (nouns, verbals, 和)
    before its suffix, starting with a noun (根据/卫生/健康/局). Only where it ends on a token boundary."""
    ranges = {}
    for start, end, last_chars in org_spans(words):
        if last_chars != len(words[end]) or leading_particle_chars(words[start]):
            continue
        places = [k for k in range(start, end) if is_place_like(words[k]) or words[k].endswith("政府")]
        first = places[-1] + 1 if places else compound_run_start(words, start, end, grammar)
        if first < end and sum(len(w) for w in words[first : end + 1]) <= MAX_DEPARTMENT_CHARS:
            ranges[first] = end
    return ranges


def compound_run_start(words: list[str], start: int, end: int, grammar: CompoundGrammar) -> int:
    """The ORG's left edge is a guess without a place word (认真落实/国务院办公厅): trust only the
    compound words right before its suffix token `end`; `end` itself when there are none."""
    first = end
    for k in range(end - 1, start - 1, -1):
        inner = words[k] == "和" and k > start and words[k - 1] in grammar.nouns
        if not (words[k] in grammar.nouns or words[k] in grammar.verbals or inner):
            break
        first = k
    while first < end and words[first] not in grammar.nouns:
        first += 1
    return first


def merge_compounds(words: list[str]) -> list[str]:
    """Join runs of tokens into one domain term: department names inside ORG spans, and compounds
    of dictionary-learnt modifiers closed by a head (政务/服务 → 政务服务). Joined, the output
    equals the input; whitespace tokens are never joined."""
    grammar = compound_grammar()
    departments = department_ranges(words, grammar)
    merged, i = [], 0
    while i < len(words):
        end = departments.get(i) or compound_end(words, i, grammar)
        merged.append("".join(words[i : end + 1]))
        i = end + 1
    return merged
