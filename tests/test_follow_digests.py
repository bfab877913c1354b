"""What followers are told, and when: changes noted at the save, matched to what they follow, sent once per digest."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from proposals import services
from proposals.follow import changes, digests
from proposals.follow.matching import ChangeIndex, visible_changes
from proposals.follow.models import Change, Mark, Sent, Subscriber, Subscription
from proposals.follow.subscriptions import current_watermark
from proposals.lifecycle import HandlingRole, Status
from proposals.models import Proposal
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db

D = datetime.date
NO_WAIT = datetime.timedelta(0)
WEEK = datetime.timedelta(days=8)


def next_morning():
    """08:00 local time, in the coming day: an hour after the daily slot (settings.FOLLOW_DIGEST_HOUR, 7)."""
    local = timezone.localtime() + datetime.timedelta(days=1)
    return local.replace(hour=8, minute=0, second=0, microsecond=0)


def follower(email, kind, target=None, *, language="en", frequency="daily", **fields):
    subscriber, _ = Subscriber.objects.get_or_create(email=email, defaults={"language": language})
    what = {kind: target} if target is not None else {}
    # Confirmed over a week ago: daily and weekly digests are due at once.
    return Subscription.objects.create(subscriber=subscriber, kind=kind, confirmed_at=timezone.now() - WEEK,
                                       watermark=current_watermark(), frequency=frequency, **what, **fields)


def run(now=None):
    return digests.run(now, settle=NO_WAIT)


def digest_to(email):
    found = [message for message in mail.outbox if message.to == [email]]
    assert len(found) <= 1, f"{email} got {len(found)} digests"
    return found[0] if found else None


@pytest.fixture
def world():
    session = factories.session(opened_on=D(2020, 5, 22))
    person = factories.delegate(slug="lei-jun", name_en="Lei Jun", name_zh="雷军")
    company = factories.company(slug="xiaomi", name_en="Xiaomi", name_zh="小米")
    factories.affiliation(delegate=person, company=company)
    theme = factories.theme(slug="satellite", name_en="Satellite internet", name_zh="卫星互联网")
    other_theme = factories.theme(slug="education", name_en="Education")
    proposal = factories.proposal(session=session, sponsors=[person], themes=[theme],
                                  title_en="Satellite internet in the 14th Five-Year Plan",
                                  title_zh="将卫星互联网纳入“十四五”规划")
    source = factories.source()
    record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=source)
    ministry = factories.authority(slug="miit", name_en="Ministry of Industry and Information Technology",
                                   name_zh="工业和信息化部")
    return {"session": session, "delegate": person, "company": company, "theme": theme, "other_theme": other_theme,
            "proposal": proposal, "source": source, "authority": ministry}


REFERRED_ON = D(2020, 7, 20)


def refer(world, proposal=None, date=REFERRED_ON):
    return record_status(proposal or world["proposal"], date=date, status=Status.REFERRED, source=world["source"],
                         authority=world["authority"], handling_role=HandlingRole.LEAD)


def test_a_published_step_reaches_everyone_who_follows_something_it_concerns(world):
    follower("theme@example.org", "theme", world["theme"])
    follower("delegate@example.org", "delegate", world["delegate"])
    follower("company@example.org", "company", world["company"])
    follower("proposal@example.org", "proposal", world["proposal"])
    follower("authority@example.org", "authority", world["authority"])
    follower("search@example.org", "search", query="theme=satellite&status=referred",
             filters={"theme": "satellite", "status": "referred"})
    follower("elsewhere@example.org", "theme", world["other_theme"])
    follower("no-match@example.org", "search", query="status=replied", filters={"status": "replied"})
    refer(world)

    report = run()
    assert report.digests == 6
    for email in ["theme", "delegate", "company", "proposal", "authority", "search"]:
        message = digest_to(f"{email}@example.org")
        assert message is not None, email
        assert "Satellite internet in the 14th Five-Year Plan: Referred 2020-07-20, Ministry of Industry" in \
            message.body
        assert f"/proposals/{world['proposal'].pk}-" in message.body
    assert digest_to("elsewhere@example.org") is None and digest_to("no-match@example.org") is None
    assert "== Proposals matching Theme Satellite internet, Status Referred ==" in \
        digest_to("search@example.org").body


def test_nothing_is_sent_twice_and_each_frequency_waits_for_its_slot(world):
    follower("now@example.org", "theme", world["theme"], frequency="immediate")
    follower("daily@example.org", "theme", world["theme"])
    follower("weekly@example.org", "theme", world["theme"], frequency="weekly")
    refer(world)
    now = next_morning()
    assert run(now).digests == 3
    assert run(now).digests == 0 and len(mail.outbox) == 3
    assert Sent.objects.count() == 3

    record_status(world["proposal"], date=D(2020, 9, 30), status=Status.REPLIED, source=world["source"],
                  authority=world["authority"], reply_grade="B")
    assert run(now + datetime.timedelta(hours=2)).digests == 1  # the immediate one; the daily went out at 8
    assert mail.outbox[-1].to == ["now@example.org"]
    assert run(now + datetime.timedelta(hours=23)).digests == 1  # past the next 7:00 slot
    assert "Replied 2020-09-30" in mail.outbox[-1].body and mail.outbox[-1].to == ["daily@example.org"]
    assert run(now + datetime.timedelta(days=7)).digests == 1
    assert mail.outbox[-1].to == ["weekly@example.org"] and "Replied 2020-09-30" in mail.outbox[-1].body


def test_followers_never_hear_of_drafts(world):
    follower("theme@example.org", "theme", world["theme"])
    draft = factories.proposal(session=world["session"], themes=[world["theme"]], published=False)
    record_status(draft, date=D(2020, 5, 22), status=Status.SUBMITTED, source=world["source"])
    record_status(world["proposal"], date=D(2020, 6, 1), status=Status.UNDER_REVIEW, source=world["source"],
                  published=False)
    assert not Change.objects.filter(proposal=draft).exists()
    assert not Change.objects.filter(event__published=False).exists()
    assert run().digests == 0

    # A step published, then its proposal taken back to draft before the digest: nothing goes out.
    refer(world)
    services.unpublish(world["proposal"])
    assert run().digests == 0


def test_a_correction_is_news_only_when_readers_would_notice_it(world):
    follower("theme@example.org", "theme", world["theme"])
    referral = refer(world)
    run()
    services.change_status_event(referral, note="Reworded note.")
    assert not Change.objects.filter(kind=Change.Kind.CORRECTION).exists()
    services.change_status_event(referral, date=D(2020, 7, 21))
    assert Change.objects.filter(kind=Change.Kind.CORRECTION, event=referral).count() == 1
    assert run(timezone.now() + datetime.timedelta(days=1)).digests == 1
    assert "Referred 2020-07-21, Ministry of Industry and Information Technology (corrected)" in mail.outbox[-1].body


def test_publishing_a_proposal_is_one_change_not_one_per_step(world):
    follower("theme@example.org", "theme", world["theme"])
    draft = factories.proposal(session=world["session"], themes=[world["theme"]], published=False,
                               title_en="Streamline satellite frequency applications")
    record_status(draft, date=D(2020, 5, 22), status=Status.SUBMITTED, source=world["source"])
    record_status(draft, date=D(2020, 6, 2), status=Status.FILED, source=world["source"])
    services.publish(draft)
    services.unpublish(draft)
    services.publish(draft)
    assert list(Change.objects.filter(proposal=draft).values_list("kind", flat=True)) == ["published"]
    run()
    assert "Streamline satellite frequency applications: new proposal, Filed 2020-06-02" in mail.outbox[0].body
    # Its steps were part of that news: a later save that changes nothing readers see is not news either.
    services.change_status_event(draft.status_events.get(status=Status.FILED), note="Added detail.")
    assert Change.objects.filter(proposal=draft).count() == 1


def test_overdue_replies_are_noted_once_from_the_day_they_become_late(world):
    follower("authority@example.org", "authority", world["authority"])
    older = factories.proposal(session=world["session"], themes=[world["theme"]])
    record_status(older, date=D(2020, 5, 22), status=Status.SUBMITTED, source=world["source"])
    refer(world, older, date=D(2020, 6, 1))  # due 2020-09-01: already late on the first scan
    refer(world)  # due 2020-10-20
    assert changes.note_overdue(D(2020, 10, 20)) == []  # due today is not yet late
    noted = changes.note_overdue(D(2020, 10, 21))
    assert [change.proposal_id for change in Change.objects.filter(pk__in=noted)] == [world["proposal"].pk]
    assert changes.note_overdue(D(2020, 10, 21)) == [] and changes.note_overdue(D(2020, 10, 25)) == []
    digests.run(timezone.now(), settle=NO_WAIT)
    assert "reply overdue, it was due on 2020-10-20 (Ministry of Industry and Information Technology)" in \
        mail.outbox[0].body


def test_a_digest_is_in_its_subscribers_language(world):
    follower("reader@example.cn", "delegate", world["delegate"], language="zh-hans")
    refer(world)
    run()
    message = mail.outbox[0]
    assert "将卫星互联网纳入“十四五”规划: 交办 2020-07-20, 工业和信息化部" in message.body
    assert message.subject.startswith("两会") and message.extra_headers["Content-Language"] == "zh-hans"


def test_the_digest_offers_one_click_unsubscribe(world):
    follower("reader@example.org", "theme", world["theme"])
    refer(world)
    run()
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<http://") and "/follow/stop/" in headers["List-Unsubscribe"]
    assert "Stop following this: http" in mail.outbox[0].body


def test_a_long_digest_lists_the_first_changes_and_counts_the_rest(world, monkeypatch):
    monkeypatch.setattr(digests, "ITEMS_PER_SECTION", 2)
    follower("reader@example.org", "theme", world["theme"])
    for index in range(4):
        proposal = factories.proposal(session=world["session"], themes=[world["theme"]], title_en=f"Idea {index}")
        record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=world["source"])
    run()
    body = mail.outbox[0].body
    assert body.count("\n* ") == 2 and "…and 2 more changes: http://127.0.0.1:8000/themes/satellite/" in body
    # Each proposal published since the last digest is one piece of news, whatever steps it took meanwhile.
    assert "4 changes in what you follow" in mail.outbox[0].subject
    assert Sent.objects.count() == 8


def queries_of_a_run(now):
    with CaptureQueriesContext(connection) as captured:
        report = digests.run(now, settle=NO_WAIT)
    return len(captured.captured_queries), report


def test_a_digest_costs_the_same_few_queries_however_many_changes_it_lists(world):
    themes = [factories.theme() for _ in range(3)]

    def changed(count):
        for index in range(count):
            proposal = factories.proposal(session=world["session"], themes=[themes[index % 3]])
            record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=world["source"])

    def followers(count, tag):
        for index in range(count):
            follower(f"{tag}-{index}@example.org", "theme", themes[index % 3])
            follower(f"{tag}-{index}@example.org", "delegate", world["delegate"])

    now = timezone.now() + datetime.timedelta(minutes=1)  # every change below is older than the run
    followers(2, "a")
    changed(3)
    few, report = queries_of_a_run(now)
    assert report.digests == 2
    followers(2, "b")
    changed(30)
    many, report = queries_of_a_run(now)
    assert report.digests == 2 and report.changes >= 30  # only the new followers were due: same count of digests
    assert many <= few, "queries grew with the changes listed"
    followers(4, "c")
    changed(3)
    more, report = queries_of_a_run(now)
    assert report.digests == 4
    per_digest = (more - many) / 2
    assert per_digest == int(per_digest) and per_digest <= 8


def test_the_index_selects_the_proposals_filter_by_selects(world):
    """Themes, delegates and companies: the digest's bulk index and the list's filter agree."""
    session, source = world["session"], world["source"]
    people = [factories.delegate() for _ in range(4)]
    firms = [factories.company() for _ in range(2)]
    factories.affiliation(delegate=people[0], company=firms[0])
    factories.affiliation(delegate=people[1], company=firms[0])
    factories.affiliation(delegate=people[1], company=firms[1])
    themes = [world["theme"], world["other_theme"], factories.theme()]
    for index in range(8):
        sponsors = [people[index % 4], people[(index + 1) % 4]] if index % 3 else [people[index % 4]]
        proposal = factories.proposal(session=session, sponsors=sponsors, themes=themes[: index % 4])
        record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=source)
    index = ChangeIndex(visible_changes(0, current_watermark()))
    changes_by_proposal = {}
    for change in Change.objects.all():
        changes_by_proposal.setdefault(change.proposal_id, []).append(change.pk)
    for kind, records in (("theme", themes), ("delegate", people + [world["delegate"]]),
                          ("company", firms + [world["company"]])):
        for record in records:
            selected = Proposal.objects.published().filter_by(**{kind: record}).values_list("pk", flat=True)
            expected = sorted(pk for proposal in selected for pk in changes_by_proposal.get(proposal, []))
            assert index.ids_for(kind, record.pk) == expected, (kind, record)


def test_an_overdue_reply_is_an_alert_of_its_own_whatever_the_frequency_and_not_repeated(world):
    follower("weekly@example.org", "authority", world["authority"], frequency="weekly")
    refer(world)
    now = next_morning()
    run(now)
    assert len(mail.outbox) == 1  # the weekly digest of the referral
    Mark.objects.filter(name=changes.OVERDUE_MARK).update(day=D(2020, 10, 20))  # as if the last scan was then
    changes.note_overdue(D(2020, 10, 21))
    report = run(now + datetime.timedelta(hours=1))  # days before the next weekly digest
    assert (report.alerts, report.digests) == (1, 0)
    alert = mail.outbox[-1]
    assert alert.subject == "Reply overdue: Satellite internet in the 14th Five-Year Plan"
    assert "reply overdue, it was due on 2020-10-20" in alert.body
    assert alert.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    record_status(world["proposal"], date=D(2020, 11, 2), status=Status.REPLIED, source=world["source"],
                  authority=world["authority"], reply_grade="A")
    assert run(now + datetime.timedelta(days=7)).digests == 1
    digest = mail.outbox[-1]
    assert "overdue" not in digest.body and "Replied 2020-11-02, Ministry of Industry and Information " \
        "Technology, grade A. Source: Report" in digest.body
