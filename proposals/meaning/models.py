"""What the tracker stores about meaning: each proposal's vector, and the cross-year pairs it suggests."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ProposalVector(models.Model):
    """A proposal's text as one embedder reads it, stored so that every app server compares the same vectors.

    `vector` holds float16 values (768 bytes for 384 dimensions); `text_hash` is the hash of the text they were
    computed from, so a change of title or summary is seen and the vector computed again. One row per proposal
    and embedder: vectors of another embedder can be computed beside the ones in use before switching.
    """

    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="vectors")
    model = models.CharField(max_length=60)
    text_hash = models.CharField(max_length=32)
    vector = models.BinaryField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["proposal_id"]
        constraints = [models.UniqueConstraint(fields=["proposal", "model"], name="one_vector_per_model")]
        indexes = [models.Index(fields=["model", "updated_at"], name="vector_changed_idx")]
        verbose_name = _("proposal vector")

    def __str__(self):
        return f"{self.proposal_id} ({self.model})"


class PairSuggestion(models.Model):
    """Two proposals of different years that read like the same idea, as the tracker suggests them.

    Editors confirm a pair (the two become `related`) or dismiss it; either way the row stays, so a pair once
    decided is never suggested again. `first` is the proposal with the smaller id: one row per pair.
    """

    class State(models.TextChoices):
        SUGGESTED = "suggested", _("suggested")
        CONFIRMED = "confirmed", _("confirmed")
        DISMISSED = "dismissed", _("dismissed")

    first = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("similarity"))
    model = models.CharField(max_length=60)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SUGGESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_suggestion_per_pair"),
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="suggestion_pair_ordered"),
        ]
        indexes = [models.Index(fields=["state", "-score"], name="suggestion_review_idx")]
        verbose_name = _("suggested pair")
        verbose_name_plural = _("suggested cross-year pairs")

    def __str__(self):
        return f"{self.first_id} ~ {self.second_id} ({self.score:.2f})"
