"""A proposal whose text changed is embedded again once its transaction commits."""

from django.db.models.signals import post_save

from .store import TEXT_FIELDS, embed_after_commit


def _on_proposal_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    # A save of other fields only (the status the timeline refreshes, updated_at) leaves the text as it was;
    # loading fixtures (raw) is followed by `manage.py embed_proposals`.
    if raw or (update_fields is not None and not set(update_fields) & set(TEXT_FIELDS)):
        return
    embed_after_commit(instance.pk)


def connect():
    from proposals.models import Proposal

    post_save.connect(_on_proposal_saved, sender=Proposal, dispatch_uid="meaning-embed-on-save")
