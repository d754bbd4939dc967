"""Importing this module builds the NLP pipeline (`pipeline.nlp.warm_up`): for a forkserver's preload
list, so that every worker forked from it starts with spaCy and jieba ready."""

from __future__ import annotations

from pipeline.nlp import warm_up

warm_up()
