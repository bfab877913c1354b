"""Mail through a real SMTP server (aiosmtpd on a local port), and a digest sender killed in the middle of its run.

The sender killed while the server holds its second message unanswered, then run again, must leave every
follower with exactly one digest: the first was recorded when the server accepted it, the second never was.
"""

import asyncio
import datetime
import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from proposals.follow import changes, digests, subscriptions, tasks
from proposals.follow.models import Change, Mark, Subscriber, Subscription
from proposals.lifecycle import Status
from proposals.services import record_status

ROOT = Path(__file__).resolve().parent.parent
FOLLOWERS = 5


class Inbox:
    """An SMTP server's handler that keeps the messages it accepted; it can hold one message unanswered."""

    def __init__(self, hold=None):
        self.accepted, self.seen, self.hold = [], 0, hold
        self.holding, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.seen == self.hold:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Requested action aborted: try again later"
        self.accepted.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def recipients(self):
        return sorted(str(message["To"]) for message in self.accepted)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(inbox):
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def seed_followers(count=FOLLOWERS):
    """Followers of one theme, and one change of it ready to send (also run in a separate process)."""
    from tests import factories

    session = factories.session(opened_on=datetime.date(2020, 5, 22))
    theme = factories.theme(slug="satellite", name_en="Satellite internet", name_zh="卫星互联网")
    proposal = factories.proposal(session=session, themes=[theme], title_en="Satellite internet in the plan")
    for index in range(count):
        subscriber = Subscriber.objects.create(email=f"reader{index}@example.org")
        Subscription.objects.create(subscriber=subscriber, kind="theme", theme=theme, watermark=subscriptions
                                    .current_watermark(), confirmed_at=timezone.now() - datetime.timedelta(days=8))
    record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=factories.source())
    # Older than the sender's settling time, as every change is by the time a daily run reads it.
    Change.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))


@pytest.mark.django_db
def test_digests_and_confirmations_go_through_smtp_with_their_headers(settings):
    inbox = Inbox()
    with smtp_server(inbox) as port:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        seed_followers(3)
        report = digests.run()
        subscription = subscriptions.sign_up(email="new@example.org", language="zh-hans", kind="theme",
                                             target=Subscription.objects.first().theme)
        tasks.send_confirmation.enqueue(subscription.pk)
    assert report.digests == 3
    assert [str(message["To"]) for message in inbox.accepted[:3]] == [f"reader{index}@example.org"
                                                                       for index in range(3)]
    digest = inbox.accepted[0]
    assert digest["Subject"] == "Two Sessions Tracker: 1 change in what you follow"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert digest["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/follow/stop/")
    assert digest.get_content_type() == "multipart/alternative"
    text = digest.get_body(preferencelist=("plain",)).get_content()
    assert "Satellite internet in the plan: Submitted 2020-05-22" in text
    confirmation = inbox.accepted[3]
    assert confirmation["To"] == "new@example.org" and "卫星互联网" in confirmation["Subject"]
    assert "/follow/confirm/" in confirmation.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.django_db
def test_one_reader_of_two_things_gets_three_changes_in_one_mail_then_an_overdue_alert_then_stops(settings,
                                                                                                  client):
    from tests import factories

    inbox = Inbox()
    with smtp_server(inbox) as port:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        session = factories.session(opened_on=datetime.date(2020, 5, 22))
        person = factories.delegate(slug="lei-jun", name_en="Lei Jun", name_zh="雷军")
        theme = factories.theme(slug="satellite", name_en="Satellite internet", name_zh="卫星互联网")
        proposal = factories.proposal(session=session, sponsors=[person], themes=[theme],
                                      title_en="Satellite internet in the plan", title_zh="卫星互联网纳入规划")
        other = factories.proposal(session=session, sponsors=[person], title_en="Disaster warnings on phones",
                                   title_zh="手机灾害预警")
        source = factories.source(title="Tech tycoons at the Two Sessions", publisher="KrASIA")
        ministry = factories.authority(slug="miit", name_en="MIIT", name_zh="工业和信息化部")
        english = Subscriber.objects.create(email="reader@example.org")
        chinese = Subscriber.objects.create(email="reader@example.cn", language="zh-hans")
        long_ago = timezone.now() - datetime.timedelta(days=8)
        for subscriber in (english, chinese):
            for kind, target in (("theme", theme), ("delegate", person)):
                Subscription.objects.create(subscriber=subscriber, kind=kind, **{kind: target}, confirmed_at=long_ago,
                                            watermark=subscriptions.current_watermark())
        # Three changes, two of them matching both subscriptions.
        record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=source)
        record_status(proposal, date=datetime.date(2020, 7, 20), status=Status.REFERRED, source=source,
                      authority=ministry, handling_role="lead")
        record_status(other, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=source)
        assert digests.run(settle=datetime.timedelta(0)).digests == 2
        assert digests.run(timezone.now(), settle=datetime.timedelta(0)).digests == 0
        mails = {str(message["To"]): message for message in inbox.accepted}
        assert len(inbox.accepted) == 2
        text = mails["reader@example.org"].get_body(preferencelist=("plain",)).get_content()
        assert mails["reader@example.org"]["Subject"] == "Two Sessions Tracker: 3 changes in what you follow"
        for line in ("Satellite internet in the plan: Submitted 2020-05-22. Source: Tech tycoons at the Two "
                     "Sessions — KrASIA",
                     "Satellite internet in the plan: Referred 2020-07-20, MIIT.",
                     "Disaster warnings on phones: Submitted 2020-05-22."):
            assert text.count(line) == 1, line
        assert text.index("== The theme Satellite internet ==") < text.index("== The delegate Lei Jun ==")
        chinese_text = mails["reader@example.cn"].get_body(preferencelist=("plain",)).get_content()
        assert str(mails["reader@example.cn"]["Subject"]).strip() == "两会追踪：你关注的内容有 3 项变化"
        assert "卫星互联网纳入规划: 交办 2020-07-20, 工业和信息化部" in chinese_text
        assert "== 主题“卫星互联网” ==" in chinese_text and "== 代表委员雷军 ==" in chinese_text

        # The referral's reply is late: an alert of its own, on the first run after its deadline.
        inbox.accepted.clear()
        Mark.objects.filter(name=changes.OVERDUE_MARK).update(day=datetime.date(2020, 10, 20))  # the last scan
        changes.note_overdue(datetime.date(2020, 10, 21))
        report = digests.run(settle=datetime.timedelta(0))
    assert (report.alerts, report.digests) == (2, 0)
    alert = {str(message["To"]): message for message in inbox.accepted}["reader@example.org"]
    assert alert["Subject"] == "Reply overdue: Satellite internet in the plan"
    assert "reply overdue, it was due on 2020-10-20 (MIIT)" in alert.get_body(preferencelist=("plain",)).get_content()

    # One click in the mail client: a POST to the List-Unsubscribe address, without a CSRF token.
    address = str(alert["List-Unsubscribe"]).strip().strip("<>")
    answer = client.post(address.removeprefix("http://127.0.0.1:8000"), {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["reader@example.cn"]


def manage(env, *arguments, **options):
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, **options)


@pytest.fixture
def sender_database(tmp_path):
    """The DATABASE_URL of a database holding seed_followers(), which another process can open."""
    if connection.vendor == "postgresql":
        seed_followers()  # committed at once (a transactional test): the sender's process sees them
        named = connection.settings_dict
        return f"postgres://{named['USER']}@{named['HOST'] or '127.0.0.1'}:{named['PORT'] or 5432}/{named['NAME']}"
    url = f"sqlite:///{tmp_path / 'followers.sqlite3'}"
    env = sender_environment(url, port=0)
    for arguments in (["migrate", "-v0"], ["shell", "-c", "from tests.test_follow_smtp import seed_followers; "
                                                        "seed_followers()"]):
        done = manage(env, *arguments)
        assert done.returncode == 0, done.stderr
    return url


def sender_environment(database_url, port):
    clean = {name: value for name, value in os.environ.items()
             if not name.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "EMAIL_", "TASKS_"))}
    return {**clean, "DJANGO_SETTINGS_MODULE": "tracker.settings", "DJANGO_DEBUG": "true",
            "DATABASE_URL": database_url, "EMAIL_URL": f"smtp://127.0.0.1:{port}", "EMAIL_TIMEOUT": "30"}


@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_mid_run_and_run_again_sends_nothing_twice(sender_database):
    inbox = Inbox(hold=2)
    with smtp_server(inbox) as port:
        env = sender_environment(sender_database, port)
        first = subprocess.Popen([sys.executable, "manage.py", "send_digests"], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            reached = inbox.holding.wait(timeout=60)
        finally:
            first.kill()
            output = first.communicate(timeout=30)
            inbox.release.set()
        assert reached, f"the sender never reached its second message: {output}"
        assert first.returncode == -9
        assert len(inbox.accepted) == 1  # the first digest, accepted before the kill

        again = manage(env, "send_digests")
        assert again.returncode == 0, again.stderr
        assert f"{FOLLOWERS - 1} digests and 0 overdue alerts sent" in again.stdout
        once_more = manage(env, "send_digests")
        assert "0 digests and 0 overdue alerts sent" in once_more.stdout
    assert inbox.recipients() == [f"reader{index}@example.org" for index in range(FOLLOWERS)]
