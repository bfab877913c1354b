"""Each proposal's vector in the database: which text is embedded, when it is stale, how it is written.

A proposal is embedded from its titles and summaries in both languages (and the start of its full text);
the hash of exactly that text is stored beside the vector, so a save that changes none of it costs no
embedding, and one that changes any of it is embedded again once its transaction commits.
"""

import hashlib
import logging
import threading

import numpy as np
from django.db import transaction
from django.utils import timezone

from tracker.caching import bump_data_version

from . import embedding
from .models import ProposalVector

TEXT_FIELDS = ("title_en", "title_zh", "summary_en", "summary_zh", "full_text")
# The model reads 512 tokens at a time and averages longer texts: the start of a long full text says what
# it is about, and bounds the cost of embedding it.
FULL_TEXT_CHARS = 1500
BATCH = 32
logger = logging.getLogger(__name__)


def proposal_text(row):
    """The text a proposal is embedded from; `row` is a Proposal or a dict of TEXT_FIELDS."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    parts = [get("title_en"), get("title_zh"), get("summary_en"), get("summary_zh"),
             (get("full_text") or "")[:FULL_TEXT_CHARS]]
    return "\n".join(part.strip() for part in parts if part and part.strip())


def text_hash(text):
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def to_bytes(vector):
    return np.asarray(vector, dtype="<f2").tobytes()


def from_bytes(data, dim):
    return np.frombuffer(bytes(data), dtype="<f2").reshape(-1, dim)


def stale_rows(proposals, embedder=None):
    """(id, text, hash) of the proposals (a queryset) whose vector by `embedder` is missing or out of date."""
    embedder = embedder or embedding.backend()
    rows = list(proposals.order_by("pk").values("pk", *TEXT_FIELDS))
    stored = dict(ProposalVector.objects.filter(model=embedder.name, proposal_id__in=[row["pk"] for row in rows])
                  .values_list("proposal_id", "text_hash"))
    stale = []
    for row in rows:
        text = proposal_text(row)
        digest = text_hash(text)
        if stored.get(row["pk"]) != digest:
            stale.append((row["pk"], text, digest))
    return stale


def write_vectors(stale, embedder=None, *, batch=BATCH, progress=None, known=None):
    """Embed and store `stale` rows (from `stale_rows`) in batches; `progress(done)` after each batch.

    A text is embedded once however many rows share it (an import may repeat a proposal; synthetic data
    repeats a few sentences); `known`, a dict of text hash → vector bytes, carries that across calls.
    """
    embedder = embedder or embedding.backend()
    known = {} if known is None else known
    done = 0
    for start in range(0, len(stale), batch):
        chunk = stale[start:start + batch]
        new = {digest: text for _pk, text, digest in chunk if digest not in known}
        if new:
            vectors = embedder.embed(list(new.values()))
            known.update({digest: to_bytes(vector) for digest, vector in zip(new, vectors, strict=True)})
        now = timezone.now()
        ProposalVector.objects.bulk_create(
            [ProposalVector(proposal_id=pk, model=embedder.name, text_hash=digest, vector=known[digest],
                            updated_at=now) for pk, _text, digest in chunk],
            update_conflicts=True, unique_fields=["proposal", "model"],
            update_fields=["text_hash", "vector", "updated_at"],
        )
        done += len(chunk)
        if progress is not None:
            progress(done)
    if stale:
        bump_data_version()  # cached similar lists were computed without these vectors
    return done


def vector_of(proposal_id, embedder=None):
    """The stored vector of one proposal (float32), or None if it has none yet."""
    embedder = embedder or embedding.backend()
    data = ProposalVector.objects.filter(proposal_id=proposal_id, model=embedder.name).values_list(
        "vector", flat=True).first()
    return None if data is None else from_bytes(data, embedder.dim)[0].astype(np.float32)


# Proposals saved in the current transaction, embedded together once it commits (an import saves many).
_pending = threading.local()


def embed_after_commit(proposal_id):
    """Embed this proposal again once the transaction that changed it commits, with the others it saved.

    Every call registers the flush (the first to run takes every pending id, the others find none), so a
    rolled-back transaction, whose callbacks never run, cannot leave later ones without theirs.
    """
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
    pending.add(proposal_id)
    transaction.on_commit(_flush)


def _flush():
    ids, _pending.ids = getattr(_pending, "ids", None) or set(), None
    if not ids:
        return
    from proposals.models import Proposal

    from . import pairs

    try:
        with transaction.atomic():
            stale = stale_rows(Proposal.objects.filter(pk__in=ids))
            write_vectors(stale)
            pairs.suggest_for([pk for pk, _text, _digest in stale])
    except Exception:
        # The proposal is saved already; `manage.py embed_proposals` computes what this could not.
        logger.exception("Embedding proposals %s after their save failed", sorted(ids))
