"""pipeline.nlp: domain tokens, sentences, rule-based entities, against hand-written expectations."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import nlp
from pipeline.store.schema import EntityRecord, SentenceRecord

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).with_name("data")
MARK = re.compile(r"⟦([A-Z_]+):(.*?)⟧")
# Running text around each term: after a verb, before a particle, at the start, alone.
TERM_CONTEXTS = ("根据{}的要求，我县进一步做好相关工作。", "全年围绕{}开展专题培训。", "认真落实{}，", "{}")


def read_terms(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip() and not w.startswith("#")]


def read_gold() -> list[dict[str, object]]:
    lines = (DATA / "entities_gold.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# ---- tokens ---------------------------------------------------------------------------


def test_every_domain_term_is_one_token_in_running_text() -> None:
    terms = read_terms(DATA / "domain_terms.txt")
    assert len(terms) >= 200
    split = [
        (term, nlp.tokenize(ctx.format(term)))
        for term in terms
        for ctx in TERM_CONTEXTS
        if term not in nlp.tokenize(ctx.format(term))
    ]
    assert split == []


def test_held_out_terms_are_kept_out_of_the_dictionary() -> None:
    held_out = read_terms(ROOT / "bench" / "nlp_terms_heldout.txt")
    dictionary = {word for word, _, _ in nlp.read_userdict()}
    assert len(held_out) >= 50
    assert set(held_out) & dictionary == set()
    assert set(held_out) & set(read_terms(DATA / "domain_terms.txt")) == set()


def test_law_name_is_whole_but_the_state_name_stays_apart_from_government() -> None:
    assert "中华人民共和国政府信息公开条例" in nlp.tokenize("学习《中华人民共和国政府信息公开条例》。")
    tokens = nlp.tokenize("中华人民共和国政府网站发布了通知")
    assert tokens[:2] == ["中华人民共和国", "政府网站"]


def test_unlisted_compounds_of_known_parts_are_merged() -> None:
    # Not in the dictionary: made from its modifiers (政务, 政府) and productive heads (服务, 信息, 局).
    for term in ("政务服务", "政府信息", "互联网政务服务平台"):
        assert term not in {word for word, _, _ in nlp.read_userdict()}
        assert term in nlp.tokenize(f"全年围绕{term}开展专题培训。")
    assert nlp.tokenize("县人力资源和社会保障局") == ["县", "人力资源和社会保障局"]


def test_merging_does_not_glue_a_verb_to_its_object() -> None:
    assert nlp.tokenize("主动公开政府信息")[:2] == ["主动公开", "政府信息"]
    assert "社会公开" not in nlp.tokenize("向社会公开")
    assert nlp.tokenize("推进政务服务平台建设") == ["推进", "政务服务平台", "建设"]
    assert "全县政务公开工作" not in nlp.tokenize("做好全县政务公开工作")


def test_department_after_a_place_is_one_token_only_where_the_org_rule_found_a_place() -> None:
    assert nlp.tokenize("督促县行政审批服务局整改") == ["督促", "县", "行政审批服务局", "整改"]
    assert "认真落实国务院办公厅" not in nlp.tokenize("认真落实国务院办公厅")


def test_a_lone_body_word_at_the_start_is_no_error() -> None:
    assert nlp.find_entities("法治政府") == []


def test_plain_jieba_would_split_the_law_name() -> None:
    # The reason for the dictionary: without it the law name falls apart.
    import jieba

    plain = jieba.Tokenizer()
    plain.tmp_dir = nlp.jieba_cache_dir()
    assert "政府信息公开条例" not in plain.lcut("政府信息公开条例")


def test_tokens_keep_punctuation_and_stop_words_but_not_whitespace() -> None:
    tokens = nlp.tokenize("一、总体情况\n    2019年，我县的政务公开工作。")
    assert "，" in tokens and "。" in tokens and "的" in tokens
    assert all(t.strip() for t in tokens)


han_text = st.text(
    alphabet=st.sampled_from(
        list("政府信息公开条例县人民办公室局的了和年月日，。、《》“”；！？ \n\u3000123")
    ),
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(han_text)
def test_tokens_cover_the_text_except_whitespace(text: str) -> None:
    assert "".join(nlp.tokenize(text)) == re.sub(r"\s", "", text)


def test_pipeline_is_built_once() -> None:
    assert nlp.build_pipeline() is nlp.build_pipeline()


def test_import_and_first_use_are_quiet_and_cache_in_a_writable_dir(tmp_path: Path) -> None:
    env = {**os.environ, "NIANBAO_JIEBA_CACHE": str(tmp_path / "cache")}
    code = "from pipeline import nlp; print(nlp.tokenize('政务公开'))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert done.stderr == ""
    assert done.stdout.strip() == "['政务公开']"
    assert list((tmp_path / "cache").iterdir()) != []


def test_stopwords_ship_and_are_not_applied() -> None:
    stop = nlp.load_stopwords()
    assert {"的", "和", "工作"} <= stop
    assert "的" in nlp.tokenize("政务公开的要求")


# ---- sentences --------------------------------------------------------------------------


def test_sentences_split_on_chinese_punctuation_and_line_ends() -> None:
    text = "一、总体情况\n全年公开信息9条。依申请公开1件；无复议！是否有诉讼？没有"
    assert nlp.split_sentences(text) == [
        "一、总体情况",
        "全年公开信息9条。",
        "依申请公开1件；",
        "无复议！",
        "是否有诉讼？",
        "没有",
    ]


def test_sentences_never_split_inside_quotes_or_book_titles() -> None:
    text = "坚持“先审查；后公开”原则，学习《关于进一步做好公开工作！的通知》。按照“谁起草\n谁解读”办理。"
    assert nlp.split_sentences(text) == [
        "坚持“先审查；后公开”原则，学习《关于进一步做好公开工作！的通知》。",
        "按照“谁起草\n谁解读”办理。",
    ]


def test_sentence_ending_inside_a_quote_ends_after_the_closing_mark() -> None:
    assert nlp.split_sentences("他说：“要公开。”随后发布。") == ["他说：“要公开。”", "随后发布。"]


def test_unbalanced_quote_does_not_swallow_the_text() -> None:
    assert nlp.split_sentences("标题“未闭合。下一句。") == ["标题“未闭合。", "下一句。"]


@settings(max_examples=60, deadline=None)
@given(han_text)
def test_sentences_cover_the_text_except_whitespace(text: str) -> None:
    joined = "".join(nlp.split_sentences(text))
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", text)


# ---- entities ---------------------------------------------------------------------------


def labelled(text: str) -> list[tuple[str, str]]:
    return [(e.label, e.text) for e in nlp.find_entities(text)]


@pytest.mark.parametrize(
    "doc_no",
    [
        "源政办发〔2019〕8号",
        "国办公开办函〔2021〕30号",
        "苏高新办［2020］3号",
        "鲁政发[2018]5号",
        "源政办发﹝2019﹞72号",
    ],
)
def test_document_numbers_in_every_bracket_style(doc_no: str) -> None:
    assert labelled(f"印发了《方案》（{doc_no}）。") == [("LAW", "《方案》"), ("DOC_NO", doc_no)]


def test_document_number_leaves_out_the_verb_before_it() -> None:
    assert labelled("先后印发费政办发〔2019〕21号文件") == [("DOC_NO", "费政办发〔2019〕21号")]


def test_organisation_leaves_out_the_verb_and_particles_before_it() -> None:
    assert labelled("明确了县政府办公室为全县负责机构") == [("ORG", "县政府办公室")]
    assert labelled("督促沂源县大数据发展服务中心整改") == [("ORG", "沂源县大数据发展服务中心")]
    assert labelled("由县政府办公室党组成员分管") == [("ORG", "县政府办公室")]


def test_generic_bodies_and_centre_as_adjective_are_not_organisations() -> None:
    assert labelled("各级人民政府及其部门围绕中心工作服务大局") == []
    assert labelled("围绕县委、县政府中心工作") == [("ORG", "县政府")]


def test_dates_quantities_and_money() -> None:
    text = (
        "自2019年1月1日起至2019年12月31日止，聘请34名监督员，"
        "细化28个领域、5项重点、9件、3条，收费12.5万元和3000元。"
    )
    assert labelled(text) == [
        ("DATE", "2019年1月1日"),
        ("DATE", "2019年12月31日"),
        ("QUANTITY", "34名"),
        ("QUANTITY", "28个"),
        ("QUANTITY", "5项"),
        ("QUANTITY", "9件"),
        ("QUANTITY", "3条"),
        ("MONEY", "12.5万元"),
        ("MONEY", "3000元"),
    ]


def test_ordinals_and_words_containing_numerals_are_not_quantities() -> None:
    assert labelled("根据第二十条第3条规定，统一个人信息格式，一次性告知。") == []


def test_entities_inside_a_title_belong_to_the_title() -> None:
    text = "《沂源县人民政府办公室关于印发2019年工作方案的通知》"
    assert labelled(text) == [("LAW", text)]


def test_gold_file_offsets_agree_with_its_hand_markup() -> None:
    gold = read_gold()
    assert len(gold) >= 20
    for row in gold:
        marked = str(row["marked"])
        assert MARK.sub(lambda m: m.group(2), marked) == row["text"]
        spans = [(str(row["text"])[s:e], label) for s, e, label in row["entities"]]  # type: ignore[attr-defined]
        assert spans == [(m.group(2), m.group(1)) for m in MARK.finditer(marked)]


def test_entity_rules_reach_95_percent_precision_and_recall_on_the_gold_sections() -> None:
    true_pos = predicted = expected = 0
    for row in read_gold():
        gold = {(s, e, label) for s, e, label in row["entities"]}  # type: ignore[attr-defined]
        found = {(e.start_char, e.end_char, e.label) for e in nlp.find_entities(str(row["text"]))}
        true_pos += len(gold & found)
        predicted += len(found)
        expected += len(gold)
    assert true_pos / predicted >= 0.95
    assert true_pos / expected >= 0.95


# ---- one section -------------------------------------------------------------------------


def test_analyse_section_gives_records_with_offsets_into_the_section_text() -> None:
    text = "2019年，沂源县人民政府办公室印发《方案》（源政办发〔2019〕8号）。聘请了34名监督员。"
    analysis = nlp.analyse_section(text)
    assert analysis.sentences == (
        "2019年，沂源县人民政府办公室印发《方案》（源政办发〔2019〕8号）。",
        "聘请了34名监督员。",
    )
    assert "政务公开" not in analysis.tokens and "沂源县" in analysis.tokens
    entities = nlp.entity_records(analysis, report_id="r1", year=2019, region_code="370323", section_no=1)
    sentences = nlp.sentence_records(analysis, report_id="r1", year=2019, region_code="370323", section_no=1)
    assert all(isinstance(r, EntityRecord) and text[r.start_char : r.end_char] == r.text for r in entities)
    assert [r.label for r in entities] == ["DATE", "ORG", "LAW", "DOC_NO", "QUANTITY"]
    assert [(r.sentence_no, r.text) for r in sentences] == list(enumerate(analysis.sentences))
    assert all(isinstance(r, SentenceRecord) for r in sentences)


def test_a_worker_forked_after_the_preload_starts_with_the_pipeline_built() -> None:
    """`pipeline.nlp.preload` (a forkserver's preload) builds the pipeline on import, once: a
    process that imported it analyses text without building anything again."""
    script = (
        "import pipeline.nlp.preload\n"
        "from pipeline import nlp\n"
        "assert nlp.build_pipeline.cache_info().currsize == 1\n"
        "before = nlp.build_pipeline.cache_info().misses\n"
        "nlp.analyse_section('平潭综合实验区收到政府信息公开申请81件。')\n"
        "assert nlp.build_pipeline.cache_info().misses == before == 1\n"
    )
    repo = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=repo, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
