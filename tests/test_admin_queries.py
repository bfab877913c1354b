"""Every admin changelist runs the same number of queries for 3 rows as for 40: no query per row."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.lifecycle import HandlingRole, Status
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db

D = datetime.date


def _proposals(count):
    session, cited = factories.session(opened_on=D(2020, 5, 22)), factories.source()
    themes = [factories.theme(), factories.theme()]
    ministry = factories.authority()
    for _ in range(count):
        proposal = factories.proposal(session=session, themes=themes,
                                      sponsors=[factories.delegate(), factories.delegate()])
        record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
        record_status(proposal, date=D(2020, 6, 1), status=Status.REFERRED, source=cited, authority=ministry,
                      handling_role=HandlingRole.LEAD)


def _delegates(count):
    for _ in range(count):
        person = factories.delegate()
        factories.membership(delegate=person)
        factories.affiliation(delegate=person)


def _company_events(count):
    from people.models import CompanyEvent

    cited = factories.source()
    for index in range(count):
        CompanyEvent.objects.create(company=factories.company(), date=D(2020, 5, 1 + index % 28),
                                    title=f"Event {index}", source=cited)


BUILDERS = {
    "proposals.body": lambda count: [factories.body(slug=f"body-{index}-{count}") for index in range(count)],
    "proposals.session": lambda count: [factories.session() for _ in range(count)],
    "proposals.theme": lambda count: [factories.theme(parent=factories.theme()) for _ in range(count)],
    "proposals.authority": lambda count: [factories.authority() for _ in range(count)],
    "proposals.source": lambda count: [factories.source() for _ in range(count)],
    "proposals.proposal": _proposals,
    "proposals.statusevent": _proposals,
    "people.delegate": _delegates,
    "people.company": lambda count: [factories.affiliation() for _ in range(count)],
    "people.companyevent": _company_events,
}
TRACKED_APPS = {"proposals", "people"}


def test_every_changelist_of_the_project_is_measured():
    registered = {model._meta.label_lower for model in admin.site._registry if model._meta.app_label in TRACKED_APPS}
    assert registered == set(BUILDERS)


def changelist_queries(client, label):
    url = reverse(f"admin:{label.replace('.', '_')}_changelist")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.context["cl"].result_count


@pytest.mark.parametrize("label", sorted(BUILDERS))
def test_changelist_queries_do_not_grow_with_the_rows(client, label):
    client.force_login(User.objects.create_superuser("chief", password="chief-password"))
    BUILDERS[label](3)
    few, shown = changelist_queries(client, label)
    BUILDERS[label](40)
    many, shown_later = changelist_queries(client, label)
    assert shown_later > shown >= 3
    assert many == few, f"{label}: {few} queries for {shown} rows, {many} for {shown_later}"
