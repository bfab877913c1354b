"""Webhooks against a real HTTP receiver on a local port: signed POSTs, retries with growing delays, a day's
limit, and an editor's save that never waits on a receiver."""

import datetime
import hashlib
import hmac
import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from proposals.follow import changes, webhooks
from proposals.follow.models import Change, WebhookDelivery, WebhookEndpoint
from proposals.lifecycle import HandlingRole, Status
from proposals.services import record_status

from . import factories

D = datetime.date
REPLAY_WINDOW = 300  # seconds, as docs/webhooks.md advises receivers


class Receiver:
    """An HTTP server on 127.0.0.1 that answers each POST with the next scripted status (the last one repeats)."""

    def __init__(self, statuses=(200,), delay=0.0):
        self.statuses, self.delay, self.received = list(statuses), delay, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                answer = b"ok" if status < 300 else b"upstream down, try later"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/tracker"

    @contextmanager
    def running(self):
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


def verified(secret, headers, body, now=None):
    """The receiver's side, as docs/webhooks.md shows it: the payload if the signature holds and is fresh."""
    fields = dict(part.split("=", 1) for part in headers["Tracker-Signature"].split(","))
    timestamp = int(fields["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields["v1"]) or abs((now or time.time()) - timestamp) > REPLAY_WINDOW:
        return None
    return json.loads(body)


def endpoint(url, events=("status_event",), approved=True, **fields):
    return WebhookEndpoint.objects.create(name="Newsroom", contact_email="dev@newsroom.example", url=url,
                                          event_types=list(events), approved=approved, **fields)


def world():
    session = factories.session(opened_on=D(2020, 5, 22))
    theme = factories.theme(slug="satellite", name_en="Satellite internet", name_zh="卫星互联网")
    proposal = factories.proposal(session=session, themes=[theme], title_en="Satellite internet in the plan",
                                  title_zh="卫星互联网纳入规划")
    source = factories.source()
    record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=source)
    ministry = factories.authority(slug="miit", name_en="MIIT", name_zh="工业和信息化部")
    return proposal, source, ministry


def refer(proposal, source, ministry):
    return record_status(proposal, date=D(2020, 7, 20), status=Status.REFERRED, source=source, authority=ministry,
                         handling_role=HandlingRole.LEAD)


@pytest.mark.django_db
def test_a_step_is_posted_signed_to_the_approved_endpoints_that_want_it(django_capture_on_commit_callbacks):
    proposal, source, ministry = world()
    wanted, unapproved, other_events, other_theme = Receiver(), Receiver(), Receiver(), Receiver()
    with wanted.running(), unapproved.running(), other_events.running(), other_theme.running():
        client = endpoint(wanted.url, query="theme=satellite", filters={"theme": "satellite"})
        endpoint(unapproved.url, approved=False)
        endpoint(other_events.url, events=["proposal_published"])
        endpoint(other_theme.url, query="theme=education", filters={"theme": "education"})
        with django_capture_on_commit_callbacks(execute=True):
            event = refer(proposal, source, ministry)
    assert (len(wanted.received), len(unapproved.received), len(other_events.received),
            len(other_theme.received)) == (1, 0, 0, 0)
    headers, body = wanted.received[0]
    payload = verified(client.secret, headers, body)
    assert payload is not None, "the signature does not verify"
    assert verified("another secret", headers, body) is None
    assert verified(client.secret, headers, body, now=time.time() + REPLAY_WINDOW + 5) is None
    assert headers["Tracker-Event"] == "status_event.recorded"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert payload["type"] == "status_event.recorded" and payload["proposal"]["title_zh"] == "卫星互联网纳入规划"
    assert payload["status_event"]["id"] == event.pk and payload["status_event"]["authority"]["slug"] == "miit"
    assert payload["status_event"]["reply_due_on"] == "2020-10-20"
    assert payload["proposal"]["api_url"].endswith(f"/api/v1/proposals/{proposal.pk}/")
    delivery = WebhookDelivery.objects.get(endpoint=client)
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert headers["Tracker-Delivery"] == str(delivery.pk)


@pytest.mark.django_db
def test_overdue_replies_and_new_proposals_reach_endpoints_that_asked_for_them(django_capture_on_commit_callbacks):
    proposal, source, ministry = world()
    receiver = Receiver()
    with receiver.running():
        client = endpoint(receiver.url, events=["reply_overdue", "proposal_published"])
        refer(proposal, source, ministry)
        with django_capture_on_commit_callbacks(execute=True):
            noted = changes.note_overdue(D(2020, 10, 21))
            changes.hand_to_webhooks(noted)
            factories.proposal(session=proposal.session, title_en="A new idea")
    kinds = [verified(client.secret, *received)["type"] for received in receiver.received]
    assert kinds == ["reply.overdue", "proposal.published"]
    overdue = verified(client.secret, *receiver.received[0])
    assert overdue["overdue_since"] == "2020-10-20" and overdue["status_event"]["status"] == "referred"


@pytest.mark.django_db
def test_failures_are_retried_with_growing_delays_for_a_day_then_marked_failed(settings):
    settings.FOLLOW_WEBHOOK_FIRST_RETRY_SECONDS = 60
    proposal, source, ministry = world()
    receiver = Receiver(statuses=[500])
    with receiver.running():
        client = endpoint(receiver.url)
        refer(proposal, source, ministry)  # on_commit is not run here: the fan-out is called as the task would
        (delivery_id,) = webhooks.fan_out([Change.objects.latest("pk").pk])
        delays = []
        for _ in range(4):
            delivery = webhooks.attempt(delivery_id)
            delays.append((delivery.next_attempt_at - delivery.last_attempt_at).total_seconds())
            assert webhooks.attempt(delivery_id) is None  # not due yet: nobody posts it again early
            WebhookDelivery.objects.filter(pk=delivery_id).update(next_attempt_at=timezone.now())
        # A day after the change, the next failure is the last.
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            created_at=timezone.now() - datetime.timedelta(hours=24, seconds=1))
        delivery = webhooks.attempt(delivery_id)
    for attempt, delay in enumerate(delays):
        assert 60 * 2 ** attempt <= delay <= 60 * 2 ** attempt * 1.1 + 1, delays
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("failed", 5, 500)
    assert delivery.last_response == "upstream down, try later" and delivery.next_attempt_at is None
    assert len(receiver.received) == 5
    # Every attempt carries the same body and a fresh signature.
    assert len({body for _, body in receiver.received}) == 1
    assert all(verified(client.secret, *received) for received in receiver.received)


@pytest.mark.django_db
def test_the_last_retry_falls_on_the_days_end_and_a_recovered_receiver_gets_the_delivery(settings):
    settings.FOLLOW_WEBHOOK_FIRST_RETRY_SECONDS = 3600 * 30
    proposal, source, ministry = world()
    receiver = Receiver(statuses=[503, 200])
    with receiver.running():
        endpoint(receiver.url)
        refer(proposal, source, ministry)
        (delivery_id,) = webhooks.fan_out([Change.objects.latest("pk").pk])
        first = webhooks.attempt(delivery_id)
        assert first.next_attempt_at == first.created_at + datetime.timedelta(hours=24)  # not 30 hours later
        WebhookDelivery.objects.filter(pk=delivery_id).update(next_attempt_at=timezone.now())
        second = webhooks.attempt(delivery_id)
    assert (second.state, second.attempts, second.last_status_code) == ("delivered", 2, 200)


@pytest.mark.django_db(transaction=True)
def test_a_dead_or_slow_receiver_never_delays_the_editors_save(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.FOLLOW_WEBHOOK_TIMEOUT = 1
    proposal, source, ministry = world()
    slow = Receiver(delay=3)
    with slow.running():
        endpoint(slow.url)
        dead = Receiver()
        dead_url = dead.url
        dead.server.server_close()  # nothing listens there any more
        endpoint(dead_url)
        started = time.monotonic()
        refer(proposal, source, ministry)
        saved_in = time.monotonic() - started
        assert saved_in < 1.0, f"record_status took {saved_in:.2f} s"
        assert not WebhookDelivery.objects.exists()  # only a task is queued, in the editor's transaction

        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", verbosity=0)
    deliveries = {delivery.endpoint.url: delivery for delivery in WebhookDelivery.objects.select_related("endpoint")}
    for url in (slow.url, dead_url):
        delivery = deliveries[url]
        assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
        assert delivery.next_attempt_at > timezone.now()  # the retry waits in the queue for its time
    assert "timed out" in deliveries[slow.url].last_error
    assert "refused" in deliveries[dead_url].last_error.lower()


@pytest.mark.django_db
def test_a_client_registers_and_gets_its_secret_once_and_an_administrator_approves_it(client, settings):
    factories.theme(slug="5g", name_en="5G")
    page = client.get(reverse("follow:register_webhook"))
    assert page.status_code == 200 and "csrftoken" in page.cookies
    settings.FOLLOW_WEBHOOK_ALLOW_HTTP = False
    form = {"name": "Newsroom", "contact_email": "dev@newsroom.example", "url": "http://newsroom.example/hook",
            "event_types": ["status_event", "reply_overdue"], "query": "?theme=5g&status=referred&page=2"}
    refused = client.post(reverse("follow:register_webhook"), form)
    assert "must start with https://" in refused.content.decode() and not WebhookEndpoint.objects.exists()
    form["url"] = "https://newsroom.example/hook"
    done = client.post(reverse("follow:register_webhook"), form)
    registered = WebhookEndpoint.objects.get()
    assert registered.secret in done.content.decode() and "no-store" in done["Cache-Control"]
    assert not registered.approved and registered.event_types == ["status_event", "reply_overdue"]
    assert (registered.query, registered.filters) == ("theme=5g&status=referred",
                                                      {"theme": ["5g"], "status": "referred"})

    admin = User.objects.create_superuser("admin", password="admin-password")
    client.force_login(admin)
    listing = reverse("admin:follow_webhookendpoint_changelist")
    client.post(listing, {"action": "approve", "_selected_action": [registered.pk]})
    registered.refresh_from_db()
    assert registered.approved


@pytest.mark.django_db
def test_the_admin_shows_each_delivery_with_its_last_answer_and_retries_it(client, settings):
    proposal, source, ministry = world()
    receiver = Receiver(statuses=[502, 200])
    with receiver.running():
        endpoint(receiver.url)
        refer(proposal, source, ministry)
        (delivery_id,) = webhooks.fan_out([Change.objects.latest("pk").pk])
        webhooks.attempt(delivery_id)
        WebhookDelivery.objects.filter(pk=delivery_id).update(state="failed", next_attempt_at=None)
        client.force_login(User.objects.create_superuser("admin", password="admin-password"))
        listing = client.get(reverse("admin:follow_webhookdelivery_changelist"), {"state": "failed"})
        assert "status_event.recorded" in listing.content.decode() and "502" in listing.content.decode()
        page = client.get(reverse("admin:follow_webhookdelivery_change", args=[delivery_id]))
        assert "upstream down, try later" in page.content.decode()
        client.post(reverse("admin:follow_webhookdelivery_changelist"),
                    {"action": "retry_now", "_selected_action": [delivery_id]})
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)


@pytest.mark.django_db
def test_clients_that_asked_are_told_when_a_proposal_is_unpublished_or_deleted(django_capture_on_commit_callbacks):
    from proposals import services

    proposal, source, ministry = world()
    receiver, other = Receiver(), Receiver()
    with receiver.running(), other.running():
        client = endpoint(receiver.url, events=["proposal_removed"], query="theme=education",
                          filters={"theme": "education"})
        endpoint(other.url, events=["status_event"])
        pk = proposal.pk
        with django_capture_on_commit_callbacks(execute=True):
            services.unpublish(proposal)
        with django_capture_on_commit_callbacks(execute=True):
            services.publish(proposal)
            proposal.delete()
    kinds = [verified(client.secret, *received)["type"] for received in receiver.received]
    assert kinds == ["proposal.unpublished", "proposal.deleted"] and other.received == []
    deleted = verified(client.secret, *receiver.received[1])
    assert deleted["proposal"]["id"] == pk and deleted["proposal"]["title_en"] == "Satellite internet in the plan"
    assert WebhookDelivery.objects.filter(state="delivered").count() == 2
