"""Chinese text processing for the prose sections: tokens, sentences and rule-based entities.

One spaCy pipeline (`spacy.blank("zh")` with the jieba segmenter, no model download) is built
once per process and reused; the domain dictionary `pipeline/data/userdict.txt` is loaded into
jieba's default tokenizer, which is the one spaCy's segmenter calls.
Entities come from rules (regular expressions plus a walk over the jieba tokens for ORG), never
from a statistical model. See docs/nlp.md for the labels and how to extend the dictionary.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import jieba
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.schema import EntityRecord, SentenceRecord

DATA_DIR = Path(__file__).with_name("data")
USERDICT_PATH = DATA_DIR / "userdict.txt"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"

EntityLabel = Literal["LAW", "DOC_NO", "MONEY", "DATE", "QUANTITY", "ORG"]
# Earlier labels win when two candidate spans overlap (a LAW title may contain an ORG and a DATE).
LABEL_PRIORITY: tuple[EntityLabel, ...] = ("LAW", "DOC_NO", "MONEY", "DATE", "QUANTITY", "ORG")


@dataclass(frozen=True, slots=True)
class Entity:
    label: EntityLabel
    text: str
    start_char: int
    end_char: int


@dataclass(frozen=True, slots=True)
class SectionNLP:
    tokens: tuple[str, ...]
    sentences: tuple[str, ...]
    entities: tuple[Entity, ...]


# --------------------------------------------------------------------------------------
# The pipeline: built once, jieba quiet and caching to a writable place.
# --------------------------------------------------------------------------------------


def jieba_cache_dir() -> str:
    """A writable directory for jieba's prefix-dictionary cache (NIANBAO_JIEBA_CACHE overrides)."""
    wanted = os.environ.get("NIANBAO_JIEBA_CACHE") or os.path.join(tempfile.gettempdir(), "nianbao-jieba")
    try:
        os.makedirs(wanted, exist_ok=True)
        if os.access(wanted, os.W_OK):
            return wanted
    except OSError:
        pass
    return tempfile.mkdtemp(prefix="nianbao-jieba-")


def read_userdict(path: Path = USERDICT_PATH) -> list[tuple[str, int, str]]:
    """(word, freq, tag) rows of a userdict file; `#` lines are comments (jieba has no comments)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, freq, tag = line.split()
        rows.append((word, int(freq), tag))
    return rows


def prepare_jieba() -> None:
    """Quiet jieba and point its cache at a writable directory, before anything initialises it."""
    jieba.setLogLevel(logging.WARNING)
    if not jieba.dt.initialized:
        jieba.dt.tmp_dir = jieba_cache_dir()


def load_domain_dictionary(tokenizer: jieba.Tokenizer, userdict: Path = USERDICT_PATH) -> None:
    for word, freq, tag in read_userdict(userdict):
        tokenizer.add_word(word, freq, tag)  # freq 0 forces jieba to split the word


@functools.lru_cache(maxsize=1)
def build_pipeline() -> Language:
    """The process-wide spaCy pipeline: blank Chinese, jieba segmenter, domain dictionary.

    spaCy's jieba segmenter is jieba's default tokenizer (`jieba.dt`), so the domain dictionary
    is loaded into that one: jieba.cut elsewhere in the process sees the same words.
    """
    prepare_jieba()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    compound_grammar()  # learnt from jieba's own segmentation, so before the domain words go in
    load_domain_dictionary(jieba.dt)
    return nlp


def make_doc(text: str) -> Doc:
    return build_pipeline().make_doc(text)


def tokenize(text: str) -> list[str]:
    """Domain tokens: jieba's via spaCy, then compounds merged (see `merge_compounds`);
    stop words and punctuation kept, whitespace-only tokens dropped."""
    return doc_tokens(make_doc(text))


def doc_tokens(doc: Doc) -> list[str]:
    words = [t.text for t in doc]
    return [w for w in merge_compounds(words) if w.strip()]


@functools.lru_cache(maxsize=1)
def load_stopwords() -> frozenset[str]:
    """The shipped stop-word list (not applied by `tokenize`)."""
    lines = STOPWORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


# --------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# Entities: regular expressions for the shaped ones, a token walk for ORG.
# --------------------------------------------------------------------------------------

HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
CN_DIGITS = "零〇一二两三四五六七八九十百千万"
MEASURES = "人次|个|名|件|项|条|次|期|场|人|家|篇|份|批|户|所|位|起|部|本|套|台|张|处|栏|组|轮"

LAW_RE = re.compile(r"《[^《》\n]{1,120}》")
DOC_NO_RE = re.compile(
    rf"([{HAN}]{{1,14}})\s*[〔［\[﹝【]\s*(?:19|20)\d\d\s*[〕］\]﹞】]\s*第?\s*\d+\s*号"
    rf"|([{HAN}]{{0,12}}令)\s*第\s*\d+\s*号"
)
# Words that precede a document number but are not part of its issuer prefix.
DOC_NO_LEAD_RE = re.compile(
    r"^.*(?:印发|下发|转发|根据|按照|依据|参照|执行|落实|贯彻|了|的|和|及|与|即|见|以)"
)
MONEY_RE = re.compile(r"\d[\d,，]*(?:\.\d+)?\s*(?:余|多)?\s*(?:万|亿)?\s*元")
DATE_RE = re.compile(
    r"(?:(?:19|20)\d\d|[〇零一二三四五六七八九]{4})\s*年(?:度|\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*日"
)
QUANTITY_RE = re.compile(
    rf"(?<![第\d.])(\d+(?:\.\d+)?|[{CN_DIGITS}]+)\s*(?:余|多)?\s*(?:万|亿)?\s*(?:{MEASURES})(?!性)"
)


def regex_entities(text: str, label: EntityLabel, pattern: re.Pattern[str]) -> Iterator[Entity]:
    for m in pattern.finditer(text):
        yield Entity(label, m.group(), m.start(), m.end())


def doc_no_entities(text: str) -> Iterator[Entity]:
    for m in DOC_NO_RE.finditer(text):
        prefix = m.group(1) if m.group(1) is not None else m.group(2)
        start = m.start() + len(prefix) - len(DOC_NO_LEAD_RE.sub("", prefix))
        if m.group(2) is None and start == m.end(1):
            continue  # a bracketed year and number with no issuer prefix
        yield Entity("DOC_NO", text[start : m.end()], start, m.end())


def quantity_entities(text: str, token_starts: set[int], token_ends: set[int]) -> Iterator[Entity]:
    for m in QUANTITY_RE.finditer(text):
        # A Chinese numeral counts only as a word of its own: not 统一个…, 一次性, 一件事一次办.
        if not m.group(1)[0].isdigit() and (m.start() not in token_starts or m.end() not in token_ends):
            continue
        yield Entity("QUANTITY", m.group(), m.start(), m.end())


def word_set(*lines: str) -> frozenset[str]:
    return frozenset(w for line in lines for w in line.split())


ORG_SUFFIXES = ("人民政府", "政府", "办公室", "办公厅", "局", "委员会", "办事处", "中心", "国务院")
NOT_ORG_ENDINGS = tuple(
    sorted(word_set("大局 全局 格局 布局 开局 结局 僵局 变局", "市中心 地方政府 中央政府"))
)
# Words that never start or sit inside an organisation name: the verb or particle before it.
ORG_BOUNDARY_WORDS = word_set(
    "在 由 对 向 为 将 经 了 的 与 及 或 是 把 被 给 从 按 据 让 使 请 即 并 且",
    "也 都 已 等 之 各 全 该 本 我 其 每 以 要 到 至 于 和 报",
    "设立 成立 设置 明确 印发 下发 转发 承担 负责 配合 推进 指导 会同 联合",
    "组织 围绕 坚持 落实 通过 按照 根据 依据 依托 协调 承办 受理 提出 报送",
    "报请 要求 督促 召开 参加 建立 确定 开展 做好 加强 推动 实现 提供 发挥",
    "以及 并且 及时 认真 积极 主动 作为 成为 属于 交由 转交 移交 委托 授权",
    "牵头 分管 联系 咨询 向社会 所属 下属 上级 同级 上报 抄送 召集 邀请 安排 部署",
    "全县 全市 全省 全区 全镇 全乡 各级 各部门 各镇 各县区 各区县 各乡镇 相关 有关 其他",
    "我县 我市 我区 我省 本县 本市 本区 本级 本机关 我局 我委 本局 本中心",
)
LEVEL_TOKENS = word_set("省 市 县 区 镇 乡 州 旗 国家 中共 中央 党中央 国务院 中华人民共和国")
PLACE_RE = re.compile(rf"^[{HAN}]{{1,8}}(?:省|市|县|区|镇|乡|旗|州|街道)(?:政府|人民政府)?$")
NOT_PLACE = word_set(
    "城市 超市 都市 城区 社区 园区 开发区 景区 市区 辖区 片区 小区",
    "地区 山区 城乡 乡镇 城镇 村镇 集镇 全县 全市 全区",
)
CENTRE_NOT_BODY_NEXT = word_set("工作 任务 城区 环节 地位 位置 思想 内容")
MAX_ORG_CHARS = 30


def is_place_like(word: str) -> bool:
    if not word:  # no token before the first one
        return False
    if word in LEVEL_TOKENS:
        return True
    return word not in NOT_PLACE and word[0] not in "本我该各全每此" and PLACE_RE.match(word) is not None


def is_han_word(word: str) -> bool:
    return re.fullmatch(rf"[{HAN}]+", word) is not None


def org_end_length(words: list[str], i: int) -> int:
    """How many chars of token i end an organisation name (0: none); HMM may glue on a particle (局等)."""
    word = words[i]
    prev = words[i - 1] if i > 0 else ""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if len(word) >= 2 and word[-1] in ORG_BOUNDARY_WORDS and is_org_end(word[:-1], prev, word[-1]):
        return len(word) - 1
    return len(word) if is_org_end(word, prev, nxt) else 0


def is_org_end(word: str, prev: str, nxt: str) -> bool:
    """Does `word` end an organisation name, given the tokens before and after it?"""
    if word.endswith(NOT_ORG_ENDINGS) or not word.endswith(ORG_SUFFIXES):
        return False
    if word == "政府":
        return is_place_like(prev)
    if word.endswith("政府") and not word.endswith("人民政府"):
        return is_place_like(word[: -len("政府")]) or is_place_like(prev)
    return not (word.endswith("中心") and nxt in CENTRE_NOT_BODY_NEXT)


def can_continue_left(words: list[str], i: int) -> bool:
    """May token i be part of an organisation name that continues to its right?"""
    word = words[i]
    if not is_han_word(word):
        return False
    if word == "和":  # 住房和城乡建设局, but not 县政府和县政府办公室
        return i > 0 and is_han_word(words[i - 1]) and not org_end_length(words, i - 1)
    return word not in ORG_BOUNDARY_WORDS


def org_start(words: list[str], end: int) -> int:
    """First token of the organisation whose last token is `end`."""
    start = end
    chars = len(words[end])
    while start > 0 and can_continue_left(words, start - 1):
        chars += len(words[start - 1])
        if chars > MAX_ORG_CHARS:
            break
        start -= 1
    # Begin at the first place or level word if there is one, so that a verb not on the
    # boundary list (督促县公安局) is still left out.
    for k in range(start, end + 1):
        if is_place_like(words[k]) or words[k].endswith(("政府", "人民政府")):
            return k
    return start


def leading_particle_chars(word: str) -> int:
    """1 when jieba's HMM glued a particle to a place word (由县, 在市), else 0."""
    return 1 if len(word) > 1 and word[0] in ORG_BOUNDARY_WORDS and is_place_like(word[1:]) else 0


def government_prefix(words: list[str], i: int) -> str | None:
    """'政府' or '人民政府' when token i starts with it right after a place (县 + 政府网站)."""
    if i == 0 or not is_place_like(words[i - 1]) or org_end_length(words, i):
        return None
    for prefix in ("人民政府", "政府"):
        if words[i].startswith(prefix):
            return prefix
    return None


def org_spans(words: list[str]) -> Iterator[tuple[int, int, int]]:
    """(first token, last token, chars of the last token inside the name) of each organisation."""
    i = 0
    while i < len(words):
        partial = government_prefix(words, i)
        if partial is not None:
            yield org_start(words, i - 1), i, len(partial)
        elif org_end_length(words, i):
            end = i
            # 县政府 + 办公室: keep extending over further suffix tokens that continue the name.
            while org_end_length(words, end) == len(words[end]) and end + 1 < len(words):
                if not org_end_length(words, end + 1):
                    break
                end += 1
            yield org_start(words, end), end, org_end_length(words, end)
            i = end
        i += 1


def org_entities(doc: Doc) -> Iterator[Entity]:
    words = [t.text for t in doc]
    text = doc.text  # spaCy rebuilds Doc.text on every access
    for start, end, last_chars in org_spans(words):
        start_char = doc[start].idx + leading_particle_chars(words[start])
        end_char = doc[end].idx + last_chars
        name = text[start_char:end_char]
        suffix = max((s for s in ORG_SUFFIXES if name.endswith(s)), key=len)
        if name == "国务院" or len(name) > len(suffix):
            yield Entity("ORG", name, start_char, end_char)


def resolve_overlaps(candidates: list[Entity]) -> list[Entity]:
    """Keep non-overlapping spans: higher-priority label first, then the longer, then the earlier."""
    ranked = sorted(
        candidates,
        key=lambda e: (LABEL_PRIORITY.index(e.label), -(e.end_char - e.start_char), e.start_char),
    )
    taken: list[Entity] = []
    for ent in ranked:
        if all(ent.end_char <= t.start_char or ent.start_char >= t.end_char for t in taken):
            taken.append(ent)
    return sorted(taken, key=lambda e: (e.start_char, e.end_char))


def entities_from_doc(doc: Doc) -> list[Entity]:
    text = doc.text
    token_starts = {t.idx for t in doc}
    token_ends = {t.idx + len(t.text) for t in doc}
    candidates = [
        *regex_entities(text, "LAW", LAW_RE),
        *doc_no_entities(text),
        *regex_entities(text, "MONEY", MONEY_RE),
        *regex_entities(text, "DATE", DATE_RE),
        *quantity_entities(text, token_starts, token_ends),
        *org_entities(doc),
    ]
    return resolve_overlaps(candidates)


def find_entities(text: str) -> list[Entity]:
    return entities_from_doc(make_doc(text))


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


# --------------------------------------------------------------------------------------
# One section at a time, and the records the lead writes.
# --------------------------------------------------------------------------------------


def analyse_section(text: str) -> SectionNLP:
    doc = make_doc(text)
    return SectionNLP(
        tokens=tuple(doc_tokens(doc)),
        sentences=tuple(split_sentences(text)),
        entities=tuple(entities_from_doc(doc)),
    )


def sentence_records(
    analysis: SectionNLP, *, report_id: str, year: int | None, region_code: str, section_no: int
) -> list[SentenceRecord]:
    return [
        SentenceRecord(report_id, year, region_code, section_no, n, sentence)
        for n, sentence in enumerate(analysis.sentences)
    ]


def entity_records(
    analysis: SectionNLP, *, report_id: str, year: int | None, region_code: str, section_no: int
) -> list[EntityRecord]:
    return [
        EntityRecord(report_id, year, region_code, section_no, e.label, e.text, e.start_char, e.end_char)
        for e in analysis.entities
    ]
