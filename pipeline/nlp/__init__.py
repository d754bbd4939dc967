"""Chinese text processing for the prose sections: tokens, sentences and rule-based entities.

See docs/nlp.md for the entity labels and how to extend the domain dictionary.
"""

from __future__ import annotations

import functools
import gc
from dataclasses import dataclass
from pathlib import Path

import jieba
import spacy
from spacy.language import Language
from spacy.tokens import Doc

# This package is the API: sentences, entity rules and the compound pass live in
# `pipeline.nlp.sentences`, `.entities` and `.compounds`; their public names are re-exported here.
from pipeline.nlp.compounds import compound_grammar, merge_compounds
from pipeline.nlp.entities import Entity as Entity
from pipeline.nlp.entities import EntityLabel as EntityLabel
from pipeline.nlp.entities import entities_from_doc
from pipeline.nlp.jieba_setup import USERDICT_PATH, prepare_jieba
from pipeline.nlp.jieba_setup import jieba_cache_dir as jieba_cache_dir
from pipeline.nlp.jieba_setup import load_stopwords as load_stopwords
from pipeline.nlp.jieba_setup import read_userdict as read_userdict
from pipeline.nlp.sentences import split_sentences as split_sentences
from pipeline.store.schema import EntityRecord, SentenceRecord


@dataclass(frozen=True, slots=True)
class SectionNLP:
    tokens: tuple[str, ...]
    sentences: tuple[str, ...]
    entities: tuple[Entity, ...]


# --------------------------------------------------------------------------------------
# The pipeline: built once, jieba quiet and caching to a writable place.
# --------------------------------------------------------------------------------------


def load_domain_dictionary(tokenizer: jieba.Tokenizer, userdict: Path = USERDICT_PATH) -> None:
    for word, freq, tag in read_userdict(userdict):
        tokenizer.add_word(word, freq, tag)  # freq 0 forces jieba to split the word


@functools.lru_cache(maxsize=1)
def build_pipeline() -> Language:
    """The process-wide spaCy pipeline: blank Chinese, jieba segmenter, domain dictionary.

    `spacy.blank("zh")` with the jieba segmenter (no model download), built once per process and
    reused. spaCy's jieba segmenter is jieba's default tokenizer (`jieba.dt`), so the domain
    dictionary `pipeline/nlp/data/userdict.txt` is loaded into that one: jieba.cut elsewhere in
    the process sees the same words. What it built stays for the process's life, out of the cyclic
    garbage collector's walks (`keep_out_of_the_collector`).
    """
    prepare_jieba()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    compound_grammar()  # learnt from jieba's own segmentation, so before the domain words go in
    load_domain_dictionary(jieba.dt)
    keep_out_of_the_collector()
    return nlp


def keep_out_of_the_collector() -> None:
    """Move every object alive now (spaCy's, jieba's, the modules imported) out of the cyclic garbage
    collector's reach: they live as long as the process, and each full collection would walk them
    all again, about 100 000 objects, while a PDF's parsing triggers many (14 % of `nianbao extract`'s
    time per document, measured in bench/bench_pdf.py). Garbage already made is collected first."""
    gc.collect()
    gc.freeze()


def warm_up() -> None:
    """Build this process's pipeline now: spaCy, jieba's dictionary, the compound grammar and the
    domain words (about 3 s with the imports), so that a worker pays it once when it starts and not
    in its first document. `build_pipeline` keeps it for the life of the process.

    A pool of worker processes calls it as its initializer; a forkserver pays it once for all its
    workers with `pipeline.nlp.preload` among its preloaded modules (each forked worker starts
    with the pipeline built)."""
    analyse_section("政府信息公开工作年度报告")


def make_doc(text: str) -> Doc:
    return build_pipeline().make_doc(text)


def tokenize(text: str) -> list[str]:
    """Domain tokens: jieba's via spaCy, then compounds merged (see `merge_compounds`);
    stop words and punctuation kept, whitespace-only tokens dropped."""
    return doc_tokens(make_doc(text))


def doc_tokens(doc: Doc) -> list[str]:
    words = [t.text for t in doc]
    return [w for w in merge_compounds(words) if w.strip()]


def find_entities(text: str) -> list[Entity]:
    return entities_from_doc(make_doc(text))


# --------------------------------------------------------------------------------------
# One section at a time, and the records the lead writes.
# --------------------------------------------------------------------------------------


def analyse_section(text: str) -> SectionNLP:
    """Tokens, sentences and entities of one section's text.

    Entities come from rules (regular expressions plus a walk over the jieba tokens for ORG),
    never from a statistical model.
    """
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
