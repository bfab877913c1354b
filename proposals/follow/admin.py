"""Following in the admin: staff with the rights (administrators) approve webhook clients, watch their deliveries
and, on request, delete a follower's address."""

import json

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import webhooks
from .forms import WebhookEndpointForm
from .models import Subscriber, Subscription, WebhookDelivery, WebhookEndpoint, new_secret
from .wording import what


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    fields = ["followed", "frequency", "confirmed_at", "last_sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = True

    @admin.display(description=_("follows"))
    def followed(self, subscription):
        return what(subscription)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "language", "followed", "created_at"]
    search_fields = ["email"]
    fields = ["email", "language", "created_at"]
    readonly_fields = ["email", "created_at"]
    inlines = [SubscriptionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(followed_count=Count("subscriptions"))

    @admin.display(description=_("follows"), ordering="followed_count")
    def followed(self, subscriber):
        return subscriber.followed_count

    def has_add_permission(self, request):
        return False  # addresses come from their owners' confirmed sign-ups only


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "approved", "events", "delivered", "failed", "created_at"]
    list_filter = ["approved"]
    search_fields = ["name", "url", "contact_email"]
    fields = ["name", "contact_email", "url", "event_types", "query", "approved", "signing_secret", "created_at"]
    readonly_fields = ["signing_secret", "created_at"]
    actions = ["approve", "new_secrets"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            delivered_count=Count("deliveries", filter=Q(deliveries__state=WebhookDelivery.State.DELIVERED)),
            failed_count=Count("deliveries", filter=Q(deliveries__state=WebhookDelivery.State.FAILED)),
        )

    @admin.display(description=_("events"))
    def events(self, endpoint):
        labels = dict(WebhookEndpoint.Event.choices)
        return ", ".join(str(labels.get(event, event)) for event in endpoint.event_types)

    @admin.display(description=_("delivered"), ordering="delivered_count")
    def delivered(self, endpoint):
        return endpoint.delivered_count

    @admin.display(description=_("failed"), ordering="failed_count")
    def failed(self, endpoint):
        return endpoint.failed_count

    @admin.display(description=_("signing secret"))
    def signing_secret(self, endpoint):
        return format_html("<code>{}</code>", endpoint.secret) if endpoint.pk else "—"

    @admin.action(description=_("Approve the selected clients: deliveries start"))
    def approve(self, request, queryset):
        count = queryset.filter(approved=False).update(approved=True)
        self.message_user(request, ngettext("%(count)d client approved.", "%(count)d clients approved.", count)
                          % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Give the selected clients new signing secrets"))
    def new_secrets(self, request, queryset):
        for endpoint in queryset:
            endpoint.secret = new_secret()
            endpoint.save(update_fields=["secret"])
        self.message_user(request, _("New secrets made: tell each client its own before its next delivery."),
                          messages.WARNING)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "endpoint", "event_type", "state", "attempts", "last_status_code",
                    "last_attempt_at", "next_attempt_at"]
    list_filter = ["state", "event_type", "endpoint"]
    list_select_related = ["endpoint"]
    date_hierarchy = "created_at"
    fields = ["endpoint", "event_type", "state", "attempts", "created_at", "last_attempt_at", "next_attempt_at",
              "delivered_at", "last_status_code", "last_response", "last_error", "body"]
    readonly_fields = fields
    actions = ["retry_now"]

    @admin.display(description=_("body"))
    def body(self, delivery):
        return format_html("<pre>{}</pre>", json.dumps(delivery.payload, ensure_ascii=False, indent=2))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a record of what was sent; the retry action is the one thing to do with it

    @admin.action(description=_("Retry the selected deliveries now"), permissions=["view"])
    def retry_now(self, request, queryset):
        ids = list(queryset.exclude(state=WebhookDelivery.State.DELIVERED).values_list("pk", flat=True))
        # A fresh day of retries from now, as if the change had just happened.
        WebhookDelivery.objects.filter(pk__in=ids).update(
            state=WebhookDelivery.State.PENDING, next_attempt_at=timezone.now(), created_at=timezone.now())
        for pk in ids:
            webhooks.deliver.enqueue(pk)
        self.message_user(request, ngettext("%(count)d delivery queued.", "%(count)d deliveries queued.", len(ids))
                          % {"count": len(ids)}, messages.SUCCESS)
