"""Webhooks: signed JSON POSTs of changes to the URLs of clients an editor approved (docs/webhooks.md).

A change becomes one delivery per approved endpoint that asked for its kind (and whose filter, if any,
selects its proposal). The payload is built once, when the change happens, so every retry sends the same
body. Each attempt signs it anew: HMAC-SHA256, keyed by the endpoint's secret, over the attempt's Unix
timestamp, a dot and the body. A failed attempt (no answer in time, or any status but 2xx) is retried after
1, 2, 4, 8… minutes until a day has passed since the change; then the delivery is marked failed, with the
last response code and the start of the last response body kept for the admin.
"""

import datetime
import hashlib
import hmac
import json
import logging
import random
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend, task

from proposals.models import Proposal

from .models import Change, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

EVENT_TYPES = {
    Change.Kind.STEP: (WebhookEndpoint.Event.STEP, "status_event.recorded"),
    Change.Kind.CORRECTION: (WebhookEndpoint.Event.STEP, "status_event.corrected"),
    Change.Kind.OVERDUE: (WebhookEndpoint.Event.OVERDUE, "reply.overdue"),
    Change.Kind.PUBLISHED: (WebhookEndpoint.Event.PUBLISHED, "proposal.published"),
}
REMOVALS = {"deleted": "proposal.deleted", "unpublished": "proposal.unpublished"}
SIGNATURE_HEADER, EVENT_HEADER, DELIVERY_HEADER = "Tracker-Signature", "Tracker-Event", "Tracker-Delivery"
USER_AGENT = "TwoSessionsTracker-Webhooks/1"
EXCERPT = 500  # characters of a receiver's answer kept on the delivery


def body_bytes(payload):
    """The payload as sent: compact, keys sorted, UTF-8 (Chinese as itself, not \\u escapes)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(secret, timestamp, body):
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _site(path):
    return settings.FOLLOW_SITE_URL + path


def payload(change):
    proposal = change.proposal
    data = {
        "id": f"change-{change.pk}",
        "type": EVENT_TYPES[change.kind][1],
        "created_at": change.created_at.isoformat().replace("+00:00", "Z"),
        "proposal": {
            "id": proposal.pk, "title_en": proposal.title_en, "title_zh": proposal.title_zh,
            "status": proposal.status, "status_date": proposal.status_date and proposal.status_date.isoformat(),
            "reply_due_on": proposal.reply_due_on and proposal.reply_due_on.isoformat(),
            "url": _site(proposal.get_absolute_url()),
            "api_url": _site(reverse("api:proposal-detail", args=[proposal.pk])),
        },
    }
    event = change.event
    if event is not None:
        authority = event.authority
        data["status_event"] = {
            "id": event.pk, "date": event.date.isoformat(), "status": event.status,
            "authority": authority and {"slug": authority.slug, "name_en": authority.name_en,
                                        "name_zh": authority.name_zh},
            "handling_role": event.handling_role, "reply_grade": event.reply_grade, "verdict": event.verdict,
            "adopted_in": event.adopted_in,
            "reply_due_on": event.reply_due_on and event.reply_due_on.isoformat(),
            "url": _site(event.get_absolute_url()),
            "api_url": _site(reverse("api:statusevent-detail", args=[event.pk])),
        }
    if change.kind == Change.Kind.OVERDUE:
        data["overdue_since"] = change.due_on.isoformat()
    return data


def fan_out(change_ids):
    """Create the deliveries of these changes to every approved endpoint that wants them; returns their ids."""
    endpoints = list(WebhookEndpoint.objects.filter(approved=True))
    if not endpoints:
        return []
    changes = list(Change.objects.filter(pk__in=change_ids, proposal__published=True)
                   .select_related("proposal", "event__authority"))
    proposal_ids = [change.proposal_id for change in changes]
    selected = {}
    for endpoint in endpoints:
        if endpoint.filters:
            selected[endpoint.pk] = set(Proposal.objects.published().filter_by(**endpoint.filters)
                                        .filter(pk__in=proposal_ids).values_list("pk", flat=True))
    now = timezone.now()
    wanted = []
    for change in changes:
        if change.event_id and not change.event.published:
            continue
        kind, event_type = EVENT_TYPES[change.kind]
        body = None
        for endpoint in endpoints:
            if kind not in endpoint.event_types:
                continue
            if endpoint.pk in selected and change.proposal_id not in selected[endpoint.pk]:
                continue
            body = body or payload(change)
            wanted.append(WebhookDelivery(endpoint=endpoint, change=change, event_type=event_type, payload=body,
                                          created_at=now, next_attempt_at=now))
    WebhookDelivery.objects.bulk_create(wanted, ignore_conflicts=True)
    return list(WebhookDelivery.objects.filter(change_id__in=[change.pk for change in changes], attempts=0,
                                               state=WebhookDelivery.State.PENDING).values_list("pk", flat=True))


def removal_payload(proposal, how):
    """What clients are told when a published proposal is deleted or taken back to draft ("deleted",
    "unpublished"): built at once, while the proposal is still there to describe."""
    now = timezone.now()
    return {
        "id": f"proposal-{proposal.pk}-{how}-{now:%Y%m%dT%H%M%S%f}", "type": REMOVALS[how],
        "created_at": now.isoformat().replace("+00:00", "Z"),
        "proposal": {"id": proposal.pk, "title_en": proposal.title_en, "title_zh": proposal.title_zh,
                     "api_url": _site(reverse("api:proposal-detail", args=[proposal.pk]))},
    }


def fan_out_removal(payload):
    """The deliveries of a removal to every approved endpoint that asked for removals, whatever its filter: the
    proposal can no longer be matched, and a client simply drops an id it does not hold."""
    now = timezone.now()
    created = WebhookDelivery.objects.bulk_create([
        WebhookDelivery(endpoint=endpoint, event_type=payload["type"], payload=payload, created_at=now,
                        next_attempt_at=now)
        for endpoint in WebhookEndpoint.objects.filter(approved=True)
        if WebhookEndpoint.Event.REMOVED in endpoint.event_types
    ])
    return [delivery.pk for delivery in created]


def retry_delay(attempts):
    """Seconds to wait after the `attempts`-th failure: the first retry's delay, doubled each time, plus up to a
    tenth more, so that many deliveries failed at once do not all come back at the same second."""
    return settings.FOLLOW_WEBHOOK_FIRST_RETRY_SECONDS * 2 ** (attempts - 1) * random.uniform(1.0, 1.1)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver that answers with a redirect has not received the delivery: it fails, and is retried."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(endpoint, body, *, event_type, delivery_id, timestamp=None):
    """POST a signed body to an endpoint; returns (status code or None, answer excerpt, error)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
        EVENT_HEADER: event_type, DELIVERY_HEADER: str(delivery_id),
        SIGNATURE_HEADER: f"t={timestamp},v1={signature(endpoint.secret, timestamp, body)}",
    })
    try:
        with _opener.open(request, timeout=settings.FOLLOW_WEBHOOK_TIMEOUT) as response:
            return response.status, _excerpt(response), ""
    except urllib.error.HTTPError as error:
        return error.code, _excerpt(error), ""
    except (OSError, ValueError) as error:  # refused, timed out, name not found, a malformed URL
        return None, "", str(error)[:EXCERPT] or error.__class__.__name__


def _excerpt(response):
    try:
        return response.read(EXCERPT * 4).decode("utf-8", "replace")[:EXCERPT]
    except OSError:
        return ""


def attempt(delivery_id, now=None):
    """Try one delivery if it is due, and record the outcome; returns it (None if it was not due or taken).

    The attempt is claimed first by moving its next attempt past the timeout, in one UPDATE, so the worker
    and a sweep of due retries never post the same delivery twice at once.
    """
    now = now or timezone.now()
    lease = now + datetime.timedelta(seconds=settings.FOLLOW_WEBHOOK_TIMEOUT + 30)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now,
        endpoint__approved=True,
    ).update(next_attempt_at=lease)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    code, answer, error = post(delivery.endpoint, body_bytes(delivery.payload), event_type=delivery.event_type,
                               delivery_id=delivery.pk)
    finished = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status_code = finished, code
    delivery.last_response, delivery.last_error = answer, error
    if code is not None and 200 <= code < 300:
        delivery.state, delivery.delivered_at = WebhookDelivery.State.DELIVERED, finished
        delivery.next_attempt_at = None
    else:
        give_up = delivery.created_at + datetime.timedelta(hours=settings.FOLLOW_WEBHOOK_GIVE_UP_HOURS)
        if finished >= give_up:
            delivery.state, delivery.next_attempt_at = WebhookDelivery.State.FAILED, None
        else:
            delivery.next_attempt_at = min(finished + datetime.timedelta(seconds=retry_delay(delivery.attempts)),
                                           give_up)
    delivery.save(update_fields=["attempts", "last_attempt_at", "last_status_code", "last_response", "last_error",
                                 "state", "delivered_at", "next_attempt_at"])
    logger.info("Webhook delivery %s to %s: attempt %s, %s", delivery.pk, delivery.endpoint.url, delivery.attempts,
                code or error)
    return delivery


def due_deliveries(now=None):
    """Pending deliveries whose next attempt is due (for the periodic sweep; the worker schedules its own)."""
    return WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, endpoint__approved=True,
                                          next_attempt_at__lte=now or timezone.now()).values_list("pk", flat=True)


@task()
def deliver_changes(change_ids):
    """The task an editor's save enqueues (changes.py): fan the changes out, then try each delivery."""
    for delivery_id in fan_out(change_ids):
        deliver.enqueue(delivery_id)


@task()
def deliver_removal(payload):
    for delivery_id in fan_out_removal(payload):
        deliver.enqueue(delivery_id)


@task()
def deliver(delivery_id):
    """One attempt; after a failure the next is queued for its time where the backend can defer tasks. The
    immediate backend cannot: `manage.py send_digests --webhooks-only`, run every few minutes, retries then."""
    delivery = attempt(delivery_id)
    if delivery is not None and delivery.next_attempt_at is not None and default_task_backend.supports_defer:
        deliver.using(run_after=delivery.next_attempt_at).enqueue(delivery_id)
