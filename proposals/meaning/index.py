"""Nearest proposals by vector: a small in-process sketch to find candidates, the stored vectors to rank them.

Holding every vector in each worker would cost 77 MB at 100,000 proposals in float16 (154 MB in float32),
and numpy has no fast float16 product: a scan took 130-250 ms. So each process keeps only one bit per
dimension (is the value above the corpus' mean?), 48 bytes a proposal, 4.8 MB at 100,000, and finds
the proposals whose bits differ least from the query's (Hamming distance, 0.3 ms at 100,000: the bits are
kept word by word, one contiguous row per 64 dimensions, so each step runs down one long array). Those
candidates' stored vectors are then read from the database with the reader's filters (published only) and
ranked by exact cosine similarity. Below CANDIDATES proposals, every one is a candidate: the ranking is exact.

The sketch is built on first use and brought up to date when the site's data version has moved (every
write of a vector moves it), reading only the vectors changed since, with a margin for transactions that
committed late.
"""

import datetime
import threading

import numpy as np
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import BigIntegerField, BooleanField, F, Func, Q, Value
from django.utils import timezone

from tracker.caching import data_version

from . import embedding
from .models import ProposalVector
from .store import from_bytes

CANDIDATES = 400  # at least this many candidates (or 40 per wanted result) are ranked exactly
CHUNK = 5000
LATE_COMMIT_MARGIN = datetime.timedelta(minutes=5)


class Sketch:
    """The bit sketches of one embedder's stored vectors, by proposal id (ids kept sorted).

    `bits[w, i]` is word w (dimensions 64w to 64w+63) of the sketch of proposal `ids[i]`.
    """

    def __init__(self, embedder):
        self.embedder = embedder
        self.words = embedder.dim // 64
        self.ids = np.zeros(0, dtype=np.int64)
        self.bits = np.zeros((self.words, 0), dtype=np.uint64)
        self.centre = None
        self.version = None
        self.checked_at = None  # when the stored vectors were last compared with the sketch
        self.recent = {}  # proposal id -> updated_at of the vectors written within the margin before that
        self.lock = threading.Lock()

    def __len__(self):
        return len(self.ids)

    def _code(self, vectors):
        packed = np.packbits(np.asarray(vectors, dtype=np.float32) > self.centre, axis=1)
        return np.ascontiguousarray(packed).view(np.uint64).reshape(len(vectors), self.words)

    def _read(self, rows):
        """Sketch `rows` of (proposal id, vector bytes) in chunks; returns (ids, bits)."""
        ids, bits = [], []
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            vectors = np.vstack([from_bytes(data, self.embedder.dim) for _pk, data in chunk]).astype(np.float32)
            if self.centre is None:
                # The first chunk's mean: e5's vectors share a large common direction, and bits taken around
                # it tell texts apart far better than signs around zero.
                self.centre = vectors.mean(axis=0)
            ids.append(np.fromiter((pk for pk, _data in chunk), dtype=np.int64, count=len(chunk)))
            bits.append(self._code(vectors))
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.words), dtype=np.uint64)
        return np.concatenate(ids), np.vstack(bits)

    def refresh(self):
        """Bring the sketch up to date with the stored vectors, when the site's data version has moved.

        It reads the ids and `updated_at` of the vectors written since the last check, less LATE_COMMIT_MARGIN
        (a transaction may commit a while after it stamped its rows), and reads the vectors only of those it has
        not seen as they are: after a bulk embedding, the rows of the last minutes are listed again for a few
        minutes, but not read again.
        """
        version = data_version()
        if version == self.version:
            return
        with self.lock:
            if version == self.version:
                return
            stored = ProposalVector.objects.filter(model=self.embedder.name)
            started = timezone.now()
            since = (self.checked_at or started) - LATE_COMMIT_MARGIN
            # Listed before the vectors are read: a row committed in between is listed at the next check.
            window = dict(stored.filter(updated_at__gt=since).values_list("proposal_id", "updated_at"))
            changed = [pk for pk, updated_at in window.items() if self.recent.get(pk) != updated_at]
            if self.checked_at is None or len(changed) > max(CHUNK, len(self.ids) // 5):
                self._reload(stored)
            elif changed:
                self._merge(*self._read(list(stored.filter(proposal_id__in=changed).order_by(
                    "proposal_id").values_list("proposal_id", "vector"))))
            self.recent = {pk: updated_at for pk, updated_at in window.items()
                           if updated_at > started - LATE_COMMIT_MARGIN}
            self.checked_at = started
            self.version = version

    def _reload(self, stored):
        self.centre = None
        rows = []
        ids, bits = [], []
        for row in stored.order_by("proposal_id").values_list("proposal_id", "vector").iterator(chunk_size=CHUNK):
            rows.append(row)
            if len(rows) == CHUNK:
                chunk_ids, chunk_bits = self._read(rows)
                ids.append(chunk_ids)
                bits.append(chunk_bits)
                rows = []
        chunk_ids, chunk_bits = self._read(rows)
        ids.append(chunk_ids)
        bits.append(chunk_bits)
        self.ids, self.bits = np.concatenate(ids), np.ascontiguousarray(np.vstack(bits).T)

    def _merge(self, ids, bits):
        if not len(ids):
            return
        at = np.searchsorted(self.ids, ids)
        known = (at < len(self.ids)) & (self.ids[np.minimum(at, len(self.ids) - 1)] == ids)
        self.bits[:, at[known]] = bits[known].T
        if (~known).any():
            self.ids = np.concatenate([self.ids, ids[~known]])
            self.bits = np.hstack([self.bits, bits[~known].T])
            order = np.argsort(self.ids, kind="stable")
            self.ids, self.bits = self.ids[order], np.ascontiguousarray(self.bits[:, order])

    def candidates(self, vector, count):
        """The ids of (about) the `count` proposals whose sketch is nearest the vector's."""
        if len(self.ids) <= count:
            return self.ids
        query = self._code(vector[None, :])[0]
        distance = np.bitwise_count(self.bits[0] ^ query[0]).astype(np.uint16)
        for word in range(1, self.words):
            distance += np.bitwise_count(self.bits[word] ^ query[word])
        return self.ids[np.argpartition(distance, count)[:count]]


_sketches = {}
_sketches_lock = threading.Lock()


def sketch(embedder=None):
    embedder = embedder or embedding.backend()
    with _sketches_lock:
        found = _sketches.get(embedder.name)
        if found is None:
            found = _sketches[embedder.name] = Sketch(embedder)
    found.refresh()
    return found


def forget():
    """Drop every sketch (tests that empty the tables between them)."""
    with _sketches_lock:
        _sketches.clear()


def _among(field, ids):
    """`field IN ids`; on PostgreSQL `field = ANY(%s)`, with the ids as one array parameter, which spares the ORM
    preparing hundreds of values one by one (1.5 ms of a similar-proposals request)."""
    ids = [int(pk) for pk in ids]
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    return Func(F(field), Value(ids, output_field=ArrayField(BigIntegerField())), arg_joiner=" = ANY(",
                template="(%(expressions)s))", output_field=BooleanField())


def nearest(vector, *, limit, proposals, exclude=(), embedder=None):
    """[(proposal id, cosine similarity)] of the `limit` proposals nearest `vector`, best first.

    `proposals` is the queryset results may come from (readers pass the published ones): only its rows are
    returned, so a draft never enters a reader's list however close it is. The candidates are ranked first and
    `proposals` is asked only about the best of them (twice `limit`, then the rest if that was not enough): a
    join of every candidate with its proposal was half of the database's time.
    """
    embedder = embedder or embedding.backend()
    if vector is None or limit <= 0:
        return []
    vector = np.asarray(vector, dtype=np.float32)
    found = sketch(embedder)
    candidates = found.candidates(vector, max(CANDIDATES, 40 * limit))
    rows = ProposalVector.objects.filter(model=embedder.name).order_by()
    if len(candidates) < len(found):
        rows = rows.filter(_among("proposal_id", candidates))
    if exclude:
        rows = rows.exclude(proposal_id__in=list(exclude))
    pairs = list(rows.values_list("proposal_id", "vector"))
    if not pairs:
        return []
    matrix = np.vstack([from_bytes(data, embedder.dim) for _pk, data in pairs]).astype(np.float32)
    scores = matrix @ vector
    ranked = [(pairs[index][0], round(float(scores[index]), 4)) for index in np.argsort(-scores, kind="stable")]
    kept = []
    for start, end in ((0, 2 * limit), (2 * limit, len(ranked))):
        chunk = ranked[start:end]
        if not chunk or len(kept) >= limit:
            break
        allowed = set(proposals.filter(_among("pk", [pk for pk, _score in chunk])).order_by().values_list(
            "pk", flat=True))
        kept += [(pk, score) for pk, score in chunk if pk in allowed]
    return kept[:limit]
