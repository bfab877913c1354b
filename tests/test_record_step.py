"""Record a step from a source: one short form per step, errors beside their field, reachable from three places."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from proposals.lifecycle import HandlingRole, Status
from proposals.models import Source, StatusEvent
from proposals.services import record_status

from . import factories
from .test_admin import step_form

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def submitted():
    session = factories.session(opened_on=D(2020, 5, 22))
    proposal = factories.proposal(session=session, title_en="Satellite internet in the plan")
    record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=factories.source())
    return proposal


def url(proposal):
    return reverse("admin:proposals_proposal_record_step", args=[proposal.pk])


def test_a_referral_to_two_authorities_from_a_new_source_in_one_form(editor_client, submitted):
    miit, ndrc = factories.authority(slug="miit"), factories.authority(slug="ndrc")
    response = editor_client.post(url(submitted), step_form(
        referrals=[(miit, HandlingRole.LEAD), (ndrc, HandlingRole.CO_HANDLING)],
        status=Status.REFERRED, date="2020-07-01", source_choice="new", source_title="Referral notice",
        source_publisher="CPPCC proposal committee", source_url="cppcc.gov.cn/notice",
        source_quote="交由工业和信息化部主办"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:proposals_proposal_change", args=[submitted.pk])
    referrals = StatusEvent.objects.filter(proposal=submitted, status=Status.REFERRED).order_by("id")
    assert [(event.authority.slug, event.handling_role) for event in referrals] == [("miit", "lead"), ("ndrc", "co")]
    source = Source.objects.get(title="Referral notice")
    assert source.url == "https://cppcc.gov.cn/notice" and {event.source for event in referrals} == {source}


def test_a_reply_takes_its_grade_and_link(editor_client, submitted):
    miit = factories.authority(slug="miit")
    record_status(submitted, date=D(2020, 7, 1), status=Status.REFERRED, source=factories.source(), authority=miit,
                  handling_role=HandlingRole.LEAD)
    response = editor_client.post(url(submitted), step_form(
        status=Status.REPLIED, date="2020-09-01", source=factories.source().pk, authority=miit.pk, reply_grade="B",
        reply_url="https://www.miit.gov.cn/reply.html", reply_public="true", verdict="satisfied"))
    assert response.status_code == 302
    reply = StatusEvent.objects.get(status=Status.REPLIED)
    assert (reply.reply_grade, reply.reply_url, reply.reply_public, reply.verdict) == (
        "B", "https://www.miit.gov.cn/reply.html", True, "")  # the verdict belongs to feedback: not taken


def test_a_refused_step_says_why_beside_the_field_and_leaves_no_new_source(editor_client, submitted):
    response = editor_client.post(url(submitted), step_form(
        status=Status.FEEDBACK, date="2020-09-01", verdict="satisfied", source_choice="new",
        source_title="Letter", source_publisher="Someone"))
    assert response.status_code == 200
    assert "feedback needs an earlier reply" in str(response.context["form"].errors["status"])
    assert "Nothing was recorded" in response.content.decode()
    assert not Source.objects.filter(title="Letter").exists()
    assert StatusEvent.objects.filter(proposal=submitted).count() == 1


def test_a_date_before_the_session_is_shown_beside_the_date(editor_client, submitted):
    response = editor_client.post(url(submitted), step_form(status=Status.FILED, date="2020-05-01",
                                                            source=factories.source().pk))
    assert "the session opened on 2020-05-22" in str(response.context["form"].errors["date"])


def test_the_same_authority_twice_is_shown_on_its_row(editor_client, submitted):
    miit = factories.authority()
    response = editor_client.post(url(submitted), step_form(
        referrals=[(miit, HandlingRole.LEAD), (miit, HandlingRole.LEAD)], status=Status.REFERRED,
        date="2020-07-01", source=factories.source().pk))
    rows = response.context["referrals"].forms
    assert not rows[0].errors and "already recorded on this date" in str(rows[1].errors["authority"])


def test_it_goes_back_where_the_editor_came_from(editor_client, submitted):
    page = submitted.get_absolute_url()
    response = editor_client.post(url(submitted), {**step_form(status=Status.FILED, date="2020-06-01",
                                                               source=factories.source().pk), "next": page})
    assert response["Location"] == page
    unsafe = editor_client.post(url(submitted), {**step_form(status=Status.UNDER_REVIEW, date="2020-05-25",
                                                                 source=factories.source().pk),
                                                 "next": "https://elsewhere.example/"})
    assert unsafe["Location"] == reverse("admin:proposals_proposal_change", args=[submitted.pk])


def test_it_is_reachable_from_the_change_page_the_list_and_the_reader_page(editor_client, client, submitted):
    target = url(submitted)
    assert target in editor_client.get(reverse("admin:proposals_proposal_change", args=[submitted.pk])).content.decode()
    assert target in editor_client.get(reverse("admin:proposals_proposal_changelist")).content.decode()
    assert target in editor_client.get(submitted.get_absolute_url()).content.decode()
    client.logout()
    reader_page = client.get(submitted.get_absolute_url())
    assert target not in reader_page.content.decode() and "Cookie" not in reader_page.get("Vary", "")


def test_only_those_who_may_record_a_status_get_the_form(client, submitted):
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__in=["view_proposal", "change_proposal"]))
    client.force_login(viewer)
    assert client.get(url(submitted)).status_code == 403


def test_the_timeline_inline_is_stacked_and_dates_are_iso_only(editor_client, submitted):
    from proposals.admin import StatusEventInline
    from tracker.admin_base import StackedInline

    assert issubclass(StatusEventInline, StackedInline)
    response = editor_client.post(url(submitted), step_form(status=Status.FILED, date="06/01/2020",
                                                            source=factories.source().pk))
    assert "date" in response.context["form"].errors
