"""The domain dictionary and stop words shipped in `pipeline/nlp/data/`, and jieba's quiet, cached setup.

Shared by `pipeline.nlp` and `pipeline.nlp.compounds`, so that neither imports the other.
"""

from __future__ import annotations

import functools
import logging
import os
import tempfile
from pathlib import Path

import jieba

DATA_DIR = Path(__file__).with_name("data")
USERDICT_PATH = DATA_DIR / "userdict.txt"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"


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


@functools.lru_cache(maxsize=1)
def load_stopwords() -> frozenset[str]:
    """The shipped stop-word list (not applied by `tokenize`)."""
    lines = STOPWORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))
