"""Bring what search by meaning and Chinese search read up to date for existing rows, with a progress bar.

Saves through the admin, the API and the loaders keep it current on their own; rows written in bulk (the
synthetic data, a restored dump, fixtures) or a new embedder need this command:

    manage.py embed_proposals                # vectors whose text changed, segmented Chinese, pinyin keys, pairs
    manage.py embed_proposals --model lexical --no-pairs
"""

import resource
import sys
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from people.models import Company, Delegate
from proposals.meaning import embedding, pairs, store
from proposals.meaning.chinese import name_key
from proposals.meaning.models import ProposalVector
from proposals.models import Proposal

CHUNK = 2000


class Progress:
    """A one-line progress bar on stderr: done / total, rate and time left."""

    def __init__(self, label, total, write=None):
        self.label, self.total = label, total
        self.write = write or (lambda text: (sys.stderr.write(text), sys.stderr.flush()))
        self.started = time.perf_counter()

    def __call__(self, done):
        elapsed = time.perf_counter() - self.started
        rate = done / elapsed if elapsed else 0.0
        left = (self.total - done) / rate if rate else 0.0
        filled = int(30 * done / self.total) if self.total else 30
        self.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done:,}/{self.total:,} "
                   f"{rate:,.0f}/s, {left:,.0f} s left ")

    def close(self):
        self.write("\n")


def peak_memory_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Compute missing or stale proposal vectors, segmented Chinese text, pinyin name keys and suggested pairs."

    def add_arguments(self, parser):
        parser.add_argument("--model", choices=sorted(embedding.EMBEDDERS), help="Embedder (default: settings).")
        parser.add_argument("--batch", type=int, default=store.BATCH, help="Texts per call to the model.")
        parser.add_argument("--no-pairs", action="store_true", help="Do not look for cross-year pairs to review.")

    def handle(self, *args, model=None, batch=store.BATCH, no_pairs=False, verbosity=1, **options):
        started = time.perf_counter()
        self.quiet = verbosity == 0
        self._segment_chinese()
        self._name_keys()
        with embedding.using(model or embedding.configured()) as embedder:
            embedded = self._embed(embedder, batch)
            made = None if no_pairs else self._pairs(embedder)
        self.stdout.write(
            f"{embedded:,} proposals embedded by {embedder.name}"
            + ("" if made is None else f", {made:,} cross-year pairs suggested")
            + f" in {time.perf_counter() - started:,.1f} s; peak memory {peak_memory_mb():,.0f} MB."
        )

    @staticmethod
    def _analyze():
        """Fresh planner statistics after writing many vectors. Until autovacuum samples the table, PostgreSQL
        takes the model's name for a rare value and reads a page's candidates by scanning every vector of the
        model (20-40 ms at 100,000) instead of looking each one up by proposal (3 ms)."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {ProposalVector._meta.db_table}")

    def _progress(self, label, total):
        if not total or self.quiet:
            return None
        return Progress(label, total, write=lambda text: (self.stderr.write(text, ending=""), self.stderr.flush()))

    def _embed(self, embedder, batch):
        ids = list(Proposal.objects.order_by("pk").values_list("pk", flat=True))
        chunks = [ids[start:start + CHUNK] for start in range(0, len(ids), CHUNK)]
        total = sum(len(store.stale_rows(Proposal.objects.filter(pk__in=chunk), embedder)) for chunk in chunks)
        progress, done = self._progress("embedding", total), 0
        started, known = time.perf_counter(), {}
        for chunk in chunks:
            stale = store.stale_rows(Proposal.objects.filter(pk__in=chunk), embedder)
            if not stale:
                continue
            with transaction.atomic():
                offset = done
                store.write_vectors(stale, embedder, batch=batch, known=known,
                                    progress=(lambda count, offset=offset: progress(offset + count)) if progress
                                    else None)
            done += len(stale)
        if progress:
            progress.close()
        if done:
            self._analyze()
        if done and not self.quiet:
            elapsed = time.perf_counter() - started
            self.stdout.write(f"embedded {done:,} proposals ({len(known):,} distinct texts) in {elapsed:,.1f} s: "
                              f"{done / elapsed:,.1f} proposals, {len(known) / elapsed:,.1f} texts a second")
        return done

    def _pairs(self, embedder):
        total = store.ProposalVector.objects.filter(model=embedder.name).count()
        progress = self._progress("cross-year pairs", total)
        with transaction.atomic():
            made = pairs.suggest_all(embedder, progress=progress)
        if progress:
            progress.close()
        return made

    def _segment_chinese(self):
        """Rows written in bulk carry no segmented Chinese text; a save would have made it."""
        missing = Proposal.objects.filter(search_zh="").exclude(title_zh="", summary_zh="")
        rows = list(missing.only("pk", "title_zh", "summary_zh"))
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            for proposal in chunk:
                proposal.search_zh = proposal.segmented_chinese()
            Proposal.objects.bulk_update(chunk, ["search_zh"])
        if rows and not self.quiet:
            self.stdout.write(f"segmented the Chinese text of {len(rows):,} proposals")

    def _name_keys(self):
        delegates = list(Delegate.objects.filter(pinyin_key="").exclude(name_zh="", name_pinyin=""))
        for delegate in delegates:
            delegate.pinyin_key = name_key(chinese=delegate.name_zh, pinyin=delegate.name_pinyin,
                                           other=delegate.other_names)
        Delegate.objects.bulk_update(delegates, ["pinyin_key"], batch_size=CHUNK)
        companies = list(Company.objects.filter(pinyin_key="").exclude(name_zh=""))
        for company in companies:
            company.pinyin_key = name_key(chinese=company.name_zh)
        Company.objects.bulk_update(companies, ["pinyin_key"], batch_size=CHUNK)

