"""The editors' admin, driven as an editor: proposals with sponsors and timelines, the bulk action, history, rights."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.lifecycle import HandlingRole, Status
from proposals.models import Proposal, StatusEvent
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db

D = datetime.date
CHANGELIST = reverse("admin:proposals_proposal_changelist")
ADD = reverse("admin:proposals_proposal_add")


@pytest.fixture
def npc_session():
    return factories.session(opened_on=D(2020, 5, 22), closed_on=D(2020, 5, 28))


def inline(prefix, rows, initial=0):
    """The POST data of one inline formset: its management form and one dict per row."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def event_row(day, status, source, **fields):
    return {"date": day.isoformat(), "status": status, "source": source.pk, "published": "on", **fields}


def proposal_form(session, *, sponsors, events=(), sources=(), **fields):
    """What the add form posts: the proposal, its sponsors (first is lead), sources and status events."""
    return {
        "title_en": "Build a national disaster warning system on smart devices",
        "title_zh": "建设基于智能终端的国家灾害预警系统",
        "slug": "",
        "session": session.pk,
        "kind": Proposal.Kind.NPC_SUGGESTION,
        "number": "",
        "summary_en": "Phones and televisions relay official warnings.",
        "summary_zh": "",
        "full_text": "",
        **fields,
        **inline("sponsorships", [
            {"delegate": person.pk, "is_lead": "on" if order == 0 else "", "order": order}
            for order, person in enumerate(sponsors)
        ]),
        **inline("proposalsource_set", [{"source": cited.pk} for cited in sources]),
        **inline("status_events", list(events)),
    }


def test_editor_adds_a_proposal_with_lead_sponsor_and_two_events(editor_client, npc_session):
    lei_jun = factories.seated_delegate(npc_session, name_en="Lei Jun")
    co_signer = factories.seated_delegate(npc_session)
    report, theme = factories.source(), factories.theme()
    page = editor_client.get(ADD)
    assert page.status_code == 200
    assert {f.formset.prefix for f in page.context["inline_admin_formsets"]} == {
        "sponsorships", "proposalsource_set", "status_events"}

    response = editor_client.post(ADD, proposal_form(
        npc_session, sponsors=[lei_jun, co_signer], sources=[report], themes=[theme.pk],
        events=[event_row(D(2020, 5, 21), Status.ANNOUNCED, report),
                event_row(D(2020, 5, 22), Status.SUBMITTED, report, note="Handed in at the session.")],
    ))

    assert response.status_code == 302, response.context["errors"]
    proposal = Proposal.objects.get()
    assert proposal.lead_sponsor == lei_jun
    assert proposal.sponsors.count() == 2
    assert list(proposal.sources.all()) == [report]
    assert [e.status for e in proposal.status_events.all()] == [Status.ANNOUNCED, Status.SUBMITTED]
    assert (proposal.status, proposal.status_date) == (Status.SUBMITTED, D(2020, 5, 22))


@pytest.mark.parametrize("leads", [0, 2])
def test_exactly_one_lead_sponsor_is_required(editor_client, npc_session, leads):
    people = [factories.delegate(), factories.delegate()]
    data = proposal_form(npc_session, sponsors=people)
    data["sponsorships-0-is_lead"] = "on" if leads else ""
    data["sponsorships-1-is_lead"] = "on" if leads == 2 else ""

    response = editor_client.post(ADD, data)

    assert response.status_code == 200
    assert "exactly one sponsor as the lead sponsor" in str(response.context["inline_admin_formsets"][0].formset
                                                             .non_form_errors())
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("events, reason", [
    ([(D(2020, 5, 22), Status.SUBMITTED), (D(2020, 8, 1), Status.REPLIED)], "a reply needs an earlier referral"),
    ([(D(2020, 5, 1), Status.SUBMITTED)], "the session opened on 2020-05-22"),
    ([(D(2020, 5, 22), Status.SUBMITTED), (D(2020, 9, 1), Status.CLOSED), (D(2020, 10, 1), Status.FILED)],
     "the proposal was closed"),
])
def test_impossible_sequence_shows_its_error_and_writes_nothing(editor_client, npc_session, events, reason):
    report, ministry = factories.source(), factories.authority()
    rows = [event_row(day, status, report, **({"authority": ministry.pk} if status == Status.REPLIED else {}))
            for day, status in events]

    response = editor_client.post(ADD, proposal_form(npc_session, sponsors=[factories.delegate()], events=rows))

    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not Proposal.objects.exists()
    assert not StatusEvent.objects.exists()


def existing_proposal_form(proposal, *, events=(), new_events=(), **fields):
    """The change form's POST for a proposal with one lead sponsor and its stored events."""
    sponsorship = proposal.sponsorships.get()
    factories.seat(sponsorship.delegate, proposal.session)
    stored_fields = {
        "title_en": proposal.title_en, "summary_en": proposal.summary_en, "slug": proposal.slug, "kind": "",
    }
    data = proposal_form(proposal.session, sponsors=[], **{**stored_fields, **fields})
    data.update(inline("sponsorships", [
        {"id": sponsorship.pk, "proposal": proposal.pk, "delegate": sponsorship.delegate_id, "is_lead": "on",
         "order": 0}], initial=1))
    stored = [{"id": event.pk, "proposal": proposal.pk, **event_row(event.date, event.status, event.source),
               **changes} for event, changes in events]
    data.update(inline("status_events", [*stored, *new_events], initial=len(stored)))
    return data


def test_deleting_a_referral_the_reply_needs_is_refused_in_the_inline(editor_client, npc_session):
    proposal, report, ministry = factories.proposal(session=npc_session), factories.source(), factories.authority()
    submitted = record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=report)
    referred = record_status(proposal, date=D(2020, 6, 1), status=Status.REFERRED, source=report,
                             authority=ministry, handling_role=HandlingRole.LEAD)
    replied = record_status(proposal, date=D(2020, 8, 1), status=Status.REPLIED, source=report, authority=ministry)
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])

    data = existing_proposal_form(proposal, events=[
        (submitted, {}),
        (referred, {"authority": ministry.pk, "handling_role": HandlingRole.LEAD, "DELETE": "on"}),
        (replied, {"authority": ministry.pk}),
    ])
    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert "a reply needs an earlier referral" in response.content.decode()
    assert StatusEvent.objects.filter(proposal=proposal).count() == 3


def test_editing_the_timeline_in_the_inline_refreshes_the_current_status(editor_client, npc_session):
    proposal, report = factories.proposal(session=npc_session), factories.source()
    submitted = record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=report)
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])

    response = editor_client.post(url, existing_proposal_form(
        proposal, events=[(submitted, {"date": "2020-05-23"})],
        new_events=[event_row(D(2020, 6, 10), Status.FILED, report)],
    ))

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.status_date) == (Status.FILED, D(2020, 6, 10))
    assert StatusEvent.objects.get(pk=submitted.pk).date == D(2020, 5, 23)


def test_changing_the_lead_sponsor(editor_client, npc_session):
    first, second = factories.seated_delegate(npc_session), factories.seated_delegate(npc_session)
    proposal = factories.proposal(session=npc_session, sponsors=[first, second])
    lead, co = proposal.sponsorships.order_by("-is_lead")
    data = proposal_form(npc_session, sponsors=[], title_en=proposal.title_en, summary_en=proposal.summary_en, kind="")
    data.update(inline("sponsorships", [
        {"id": lead.pk, "proposal": proposal.pk, "delegate": first.pk, "is_lead": "", "order": 1},
        {"id": co.pk, "proposal": proposal.pk, "delegate": second.pk, "is_lead": "on", "order": 0},
    ], initial=2))

    response = editor_client.post(reverse("admin:proposals_proposal_change", args=[proposal.pk]), data)

    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).lead_sponsor == second


def test_history_names_the_editor_and_the_change(editor_client, npc_session):
    proposal = factories.proposal(session=npc_session, title_en="Satellite internet in the plan")
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])

    response = editor_client.post(url, existing_proposal_form(proposal, title_en="Satellite internet in the 14th Plan"))
    assert response.status_code == 302

    history = editor_client.get(reverse("admin:proposals_proposal_history", args=[proposal.pk]))
    assert history.status_code == 200
    page = history.content.decode()
    assert "editor" in page
    latest = proposal.history.latest()
    assert latest.history_user.username == "editor"
    assert latest.title_en == "Satellite internet in the 14th Plan"


def test_standalone_event_admin_refuses_an_impossible_edit_and_deletion(editor_client, npc_session):
    proposal, report, ministry = factories.proposal(session=npc_session), factories.source(), factories.authority()
    record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=report)
    referred = record_status(proposal, date=D(2020, 6, 1), status=Status.REFERRED, source=report,
                             authority=ministry, handling_role=HandlingRole.LEAD)
    record_status(proposal, date=D(2020, 8, 1), status=Status.REPLIED, source=report, authority=ministry)
    change_url = reverse("admin:proposals_statusevent_change", args=[referred.pk])

    moved_after_reply = {"date": "2020-09-01", "status": Status.REFERRED, "source": report.pk,
                         "authority": ministry.pk, "handling_role": HandlingRole.LEAD}
    response = editor_client.post(change_url, moved_after_reply)
    assert response.status_code == 200
    assert "a reply needs an earlier referral" in response.content.decode()
    assert StatusEvent.objects.get(pk=referred.pk).date == D(2020, 6, 1)

    delete_url = reverse("admin:proposals_statusevent_delete", args=[referred.pk])
    response = editor_client.post(delete_url, {"post": "yes"}, follow=True)
    assert "Not deleted" in response.content.decode()
    assert StatusEvent.objects.filter(pk=referred.pk).exists()

    moved_earlier = {**moved_after_reply, "date": "2020-06-05"}
    assert editor_client.post(change_url, moved_earlier).status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).status == Status.REPLIED


def step_form(referrals=(), **fields):
    """What the record-a-step form posts (also the bulk action's): the step, its source, referral rows."""
    data = {"source_choice": "existing", "published": "on", **fields}
    data.update(inline("referrals", [{"authority": authority.pk, "handling_role": role}
                                     for authority, role in referrals]))
    return data


def bulk(client, proposals, **data):
    form = step_form(**data) if "record_status_apply" in data else data
    return client.post(CHANGELIST, {
        "action": "record_status_change", "_selected_action": [p.pk for p in proposals], **form})


def test_bulk_action_records_the_status_on_every_selected_proposal(editor_client, npc_session):
    report = factories.source()
    chosen = [factories.proposal(session=npc_session) for _ in range(2)]
    for proposal in chosen:
        record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=report)

    page = bulk(editor_client, chosen)
    assert page.status_code == 200
    assert "Record a status change" in page.content.decode()
    assert set(page.context["proposals"]) == set(chosen)

    response = bulk(editor_client, chosen, record_status_apply="1", date="2020-06-10", status=Status.FILED,
                    source=report.pk, note="Filed by the secretariat.")

    assert response.status_code == 302
    for proposal in chosen:
        proposal.refresh_from_db()
        assert (proposal.status, proposal.status_date) == (Status.FILED, D(2020, 6, 10))


def test_bulk_action_refusal_is_shown_per_proposal_and_writes_nothing(editor_client, npc_session):
    report = factories.source()
    ready = factories.proposal(session=npc_session)
    record_status(ready, date=D(2020, 5, 22), status=Status.SUBMITTED, source=report)
    later_session = factories.proposal(session=factories.session(opened_on=D(2021, 3, 4)), title_en="Coding in school")

    response = bulk(editor_client, [ready, later_session], record_status_apply="1", date="2020-06-10",
                    status=Status.FILED, source=report.pk)

    assert response.status_code == 200
    refusals = dict(response.context["refusals"])
    assert list(refusals) == [later_session]
    assert "the session opened on 2021-03-04" in response.content.decode()
    assert not StatusEvent.objects.filter(status=Status.FILED).exists()
    ready.refresh_from_db()
    assert ready.status == Status.SUBMITTED


def test_bulk_action_form_asks_for_what_the_status_needs(editor_client, npc_session):
    proposal, report = factories.proposal(session=npc_session), factories.source()

    response = bulk(editor_client, [proposal], record_status_apply="1", date="2020-06-10",
                    status=Status.REFERRED, source=report.pk, verdict="satisfied")

    assert response.status_code == 200
    assert "Name at least one authority the proposal was referred to" in str(
        response.context["referrals"].non_form_errors())
    response = bulk(editor_client, [proposal], record_status_apply="1", date="2020-06-10",
                    status=Status.REPLIED, source=report.pk)
    assert set(response.context["form"].errors) == {"authority"}
    assert not StatusEvent.objects.exists()


@pytest.mark.parametrize("url", [
    reverse("admin:auth_user_changelist"),
    reverse("admin:auth_group_changelist"),
    reverse("admin:auth_user_add"),
    reverse("admin:authtoken_tokenproxy_changelist"),
])
def test_editor_is_refused_users_groups_and_tokens(editor_client, url):
    assert editor_client.get(url).status_code == 403


def test_editors_group_holds_exactly_the_editing_permissions():
    user = factories.editor()
    edited = {
        "proposals": ["body", "session", "theme", "authority", "source", "proposal", "proposalsource", "sponsorship",
                      "statusevent"],
        "people": ["delegate", "membership", "company", "affiliation", "companyevent"],
    }
    expected = {f"{app}.{action}_{model}" for app, models in edited.items() for model in models
                for action in ("add", "change", "delete", "view")}
    assert user.get_all_permissions() == expected
    assert not Permission.objects.filter(group__name="Editors", content_type__app_label__in=["auth", "authtoken"])


def test_editor_reaches_every_editing_page(editor_client, npc_session):
    proposal = factories.proposal(session=npc_session)
    for name in ["proposals_proposal", "proposals_statusevent", "proposals_session", "proposals_body",
                 "proposals_theme", "proposals_authority", "proposals_source", "people_delegate",
                 "people_company", "people_companyevent"]:
        assert editor_client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
        assert editor_client.get(reverse(f"admin:{name}_add")).status_code == 200, name
    assert editor_client.get(reverse("admin:proposals_proposal_import")).status_code == 200
    assert editor_client.get(reverse("admin:proposals_proposal_change", args=[proposal.pk])).status_code == 200
    autocomplete = editor_client.get(reverse("admin:autocomplete"), {
        "app_label": "proposals", "model_name": "sponsorship", "field_name": "delegate", "term": "Delegate"})
    assert autocomplete.status_code == 200
    assert autocomplete.json()["results"]


def test_site_names_the_product(editor_client):
    assert "Two Sessions Tracker" in editor_client.get(reverse("admin:index")).content.decode()


def test_list_filters_and_search(editor_client, npc_session):
    lei_jun = factories.delegate(name_en="Lei Jun", name_zh="雷军")
    report, ministry = factories.source(), factories.authority()
    warning = factories.proposal(session=npc_session, sponsors=[lei_jun], title_en="Disaster warning")
    other = factories.proposal(session=npc_session, title_en="Coding in schools")
    record_status(warning, date=D(2020, 5, 22), status=Status.SUBMITTED, source=report)
    record_status(warning, date=D(2020, 6, 1), status=Status.REFERRED, source=report, authority=ministry,
                  handling_role=HandlingRole.LEAD)

    def listed(**params):
        return set(editor_client.get(CHANGELIST, params).context["cl"].result_list)

    assert listed(q="雷军") == {warning}
    assert listed(q="coding") == {other}
    assert listed(status__exact=Status.REFERRED) == {warning}
    assert listed(overdue="yes") == {warning}
    assert listed(overdue="no") == {other}


def populate(count, session, report):
    themes = [factories.theme(), factories.theme()]
    for _ in range(count):
        proposal = factories.proposal(session=session, sponsors=[factories.delegate(), factories.delegate()],
                                      themes=themes)
        record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=report)


def test_list_page_query_count_does_not_grow_with_the_rows(editor_client, npc_session, django_assert_max_num_queries):
    report = factories.source()
    populate(5, npc_session, report)
    with CaptureQueriesContext(connection) as few:
        assert editor_client.get(CHANGELIST).status_code == 200
    populate(50, npc_session, report)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = editor_client.get(CHANGELIST)
    assert response.context["cl"].result_count == 55
    assert len(few.captured_queries) <= 25


def test_an_event_row_missing_what_its_status_needs_shows_a_field_error(editor_client, npc_session):
    report = factories.source()
    rows = [event_row(D(2020, 5, 22), Status.SUBMITTED, report), event_row(D(2020, 6, 1), Status.REFERRED, report)]

    response = editor_client.post(ADD, proposal_form(npc_session, sponsors=[factories.delegate()], events=rows))

    assert response.status_code == 200
    events_formset = response.context["inline_admin_formsets"][2].formset
    assert set(events_formset.forms[1].errors) == {"authority", "handling_role"}
    assert not Proposal.objects.exists()


def test_list_marks_only_late_replies(editor_client, npc_session):
    report, ministry = factories.source(), factories.authority()
    late = factories.proposal(session=npc_session, title_en="Late one")
    record_status(late, date=D(2020, 5, 22), status=Status.SUBMITTED, source=report)
    record_status(late, date=D(2020, 6, 1), status=Status.REFERRED, source=report, authority=ministry,
                  handling_role=HandlingRole.LEAD)
    factories.proposal(session=npc_session, title_en="Quiet one")
    page = editor_client.get(reverse("admin:proposals_proposal_changelist")).content.decode()
    assert page.count("overdue since 2020-09-01") == 1
