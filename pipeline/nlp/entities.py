"""Rule-based entities: regular expressions for the shaped ones, a walk over the jieba tokens for ORG."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from spacy.tokens import Doc

EntityLabel = Literal["LAW", "DOC_NO", "MONEY", "DATE", "QUANTITY", "ORG"]
# Earlier labels win when two candidate spans overlap (a LAW title may contain an ORG and a DATE).
LABEL_PRIORITY: tuple[EntityLabel, ...] = ("LAW", "DOC_NO", "MONEY", "DATE", "QUANTITY", "ORG")


@dataclass(frozen=True, slots=True)
class Entity:
    label: EntityLabel
    text: str
    start_char: int
    end_char: int


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
