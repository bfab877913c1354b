"""Who follows what by email, what changed for them, what they were sent, and approved clients' webhooks.

An address is kept only while it follows something: it is deleted with its last subscription, and a sign-up
never confirmed is forgotten when its link expires (see subscriptions.py).
"""

import datetime
import functools
import operator
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_key():
    return secrets.token_urlsafe(16)


def new_secret():
    return secrets.token_hex(32)


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


def digest_slots(now):
    """The latest daily and weekly digest times at or before `now`: settings.FOLLOW_DIGEST_HOUR local time, every
    day and every Monday. A subscription is due once its last digest is older than its slot, so a run every few
    minutes sends immediate digests each time and daily ones once a day, whatever time each run takes."""
    local = timezone.localtime(now)
    daily = local.replace(hour=settings.FOLLOW_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if daily > local:
        daily -= datetime.timedelta(days=1)
    return daily, daily - datetime.timedelta(days=daily.weekday())


class Subscriber(models.Model):
    """An email address following one or more things; the digests it gets are in its language."""

    email = models.EmailField(_("email address"), unique=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    # Part of every signed link: a new key (or a deleted and re-added address) makes older links useless.
    key = models.CharField(max_length=32, default=new_key, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("subscriber")

    def __str__(self):
        return self.email


class SubscriptionQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def due(self, now=None):
        """Confirmed subscriptions whose digest may go out now: immediate ones always, daily and weekly ones when
        their last digest (or, before the first, their confirmation) came before the latest slot."""
        daily, weekly = digest_slots(now or timezone.now())
        return self.confirmed().alias(since=Coalesce("last_sent_at", "confirmed_at")).filter(
            Q(frequency=Frequency.IMMEDIATE) | Q(frequency=Frequency.DAILY, since__lt=daily)
            | Q(frequency=Frequency.WEEKLY, since__lt=weekly))

    def unconfirmed_since(self, moment):
        return self.filter(confirmed_at__isnull=True, created_at__lt=moment)


# The foreign keys a subscription may follow; each kind but "search" is named like its field.
TARGET_FIELDS = ("proposal", "theme", "delegate", "company", "authority")


def _one_target_as_kind_says():
    """Exactly the foreign key the kind names is set; a search sets none."""
    return functools.reduce(operator.or_, (
        Q(kind=kind, **{f"{field}__isnull": field != kind for field in TARGET_FIELDS})
        for kind in (*TARGET_FIELDS, "search")
    ))


class Subscription(models.Model):
    """One thing a subscriber follows: a proposal, a theme, a delegate, a company, an authority or a search."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("proposal")
        THEME = "theme", _("theme")
        DELEGATE = "delegate", _("delegate")
        COMPANY = "company", _("company")
        AUTHORITY = "authority", _("authority")
        SEARCH = "search", _("search")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    kind = models.CharField(_("follows a"), max_length=10, choices=Kind.choices)
    # One of these is set, as the kind says; a search sets none. Deleting the record ends its subscriptions.
    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+")
    theme = models.ForeignKey("proposals.Theme", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    delegate = models.ForeignKey("people.Delegate", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+")
    company = models.ForeignKey("people.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    authority = models.ForeignKey("proposals.Authority", on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="+")
    # A search: the filter_by() arguments the list used, and its query string (which identifies it).
    filters = models.JSONField(default=dict, blank=True)
    query = models.CharField(max_length=1000, blank=True)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("last digest at"), null=True, blank=True)
    # The last Change its digests covered: the next digest starts after it.
    watermark = models.BigIntegerField(default=0, editable=False)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["subscriber", "id"]
        verbose_name = _("subscription")
        constraints = [
            models.CheckConstraint(condition=_one_target_as_kind_says(), name="follow_subscription_one_target"),
            *(models.UniqueConstraint(fields=["subscriber", field], condition=Q(kind=field),
                                      name=f"follow_{field}_once")
              for field in TARGET_FIELDS),
            models.UniqueConstraint(fields=["subscriber", "query"], condition=Q(kind="search"),
                                    name="follow_search_once"),
        ]
        indexes = [models.Index(fields=["confirmed_at", "last_sent_at"], name="follow_due_idx")]

    def __str__(self):
        return f"{self.subscriber}: {self.get_kind_display()} {self.target or self.query}"

    @property
    def target(self):
        """The followed record (None for a search)."""
        return getattr(self, self.kind) if self.kind in TARGET_FIELDS else None

    @property
    def target_id(self):
        return getattr(self, f"{self.kind}_id") if self.kind in TARGET_FIELDS else None


class Change(models.Model):
    """Something followers of a proposal hear of: a step published or corrected, a reply overdue, a new proposal.

    Written in the transaction of the save it reports (changes.py), so it exists exactly when the save does.
    """

    class Kind(models.TextChoices):
        STEP = "step", _("new step")
        CORRECTION = "correction", _("corrected step")
        OVERDUE = "overdue", _("reply overdue")
        PUBLISHED = "published", _("new proposal")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("proposals.StatusEvent", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="+")
    due_on = models.DateField(null=True, blank=True)  # the deadline an overdue reply missed
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "due_on"], condition=Q(kind="overdue"),
                                    name="follow_overdue_once"),
            models.UniqueConstraint(fields=["proposal"], condition=Q(kind="published"), name="follow_published_once"),
        ]
        indexes = [models.Index(fields=["created_at"], name="follow_change_created_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.proposal_id} ({self.created_at:%Y-%m-%d %H:%M})"


class AnnouncedStep(models.Model):
    """What readers were last told of a status event, so that a save they would not notice (a note's typo
    fixed) tells them nothing, and one they would (a new date) tells them it was corrected."""

    event = models.OneToOneField("proposals.StatusEvent", on_delete=models.CASCADE, primary_key=True,
                                 related_name="+")
    fingerprint = models.CharField(max_length=64)

    def __str__(self):
        return f"{self.event_id}: {self.fingerprint[:12]}"


class Sent(models.Model):
    """A change covered by a digest sent to a subscriber: a sender interrupted and run again skips it."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="+")
    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscriber", "change"], name="follow_sent_once")]

    def __str__(self):
        return f"{self.subscriber_id} ← {self.change_id}"


class Mark(models.Model):
    """A named point a periodic job has reached (the day the overdue scan last ran)."""

    name = models.CharField(max_length=40, primary_key=True)
    day = models.DateField()

    def __str__(self):
        return f"{self.name}: {self.day}"


class WebhookEndpoint(models.Model):
    """A client's URL that receives signed JSON POSTs of changes, once an editor approved it."""

    class Event(models.TextChoices):
        STEP = "status_event", _("status steps recorded or corrected")
        OVERDUE = "reply_overdue", _("replies becoming overdue")
        PUBLISHED = "proposal_published", _("proposals published")
        REMOVED = "proposal_removed", _("proposals deleted or taken back to draft")

    name = models.CharField(_("name"), max_length=200, help_text=_("Who the client is: a newsroom, a project."))
    contact_email = models.EmailField(_("contact address"), help_text=_("Where editors reach the client."))
    url = models.URLField(_("URL"), max_length=500)
    event_types = models.JSONField(_("events"), default=list)
    query = models.CharField(_("only proposals matching"), max_length=1000, blank=True,
                             help_text=_("A query string of the proposal list, e.g. theme=5g&status=referred; "
                                         "empty for all proposals."))
    filters = models.JSONField(default=dict, blank=True, editable=False)  # filter_by() arguments of the query
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    approved = models.BooleanField(_("approved"), default=False,
                                   help_text=_("Deliveries start once an editor approves the client."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook endpoint")

    def __str__(self):
        return f"{self.name} ({self.url})"


class WebhookDelivery(models.Model):
    """One change sent to one endpoint: tried, retried with growing delays for a day, then failed."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    change = models.ForeignKey(Change, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()  # as it was when the change happened: retries send the same body
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last response code"), null=True, blank=True)
    last_response = models.CharField(_("last response (start)"), max_length=500, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["endpoint", "change"], name="follow_delivery_once")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="follow_delivery_due_idx")]

    def __str__(self):
        return f"{self.event_type} → {self.endpoint.name} ({self.get_state_display()})"
