"""Odd input never makes a reader page or the admin fail: NUL characters, huge page numbers, keys that are not keys."""

import datetime
import time

import pytest
from django.urls import reverse

from proposals.lifecycle import Status
from proposals.models import Proposal
from proposals.services import record_status

from . import factories
from .test_admin import proposal_form

pytestmark = pytest.mark.django_db

D = datetime.date
ADD = reverse("admin:proposals_proposal_add")


@pytest.fixture
def world():
    session = factories.session(slug="npc-2020", opened_on=D(2020, 5, 22))
    theme = factories.theme(slug="5g")
    proposal = factories.proposal(session=session, themes=[theme], title_en="Smart disaster warning")
    record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=factories.source())
    factories.authority(slug="miit")
    return {"session": session, "proposal": proposal}


@pytest.mark.parametrize("url", [
    "/proposals/?q=a%00b", "/proposals/?theme=%00", "/proposals/?delegate=%00", "/proposals/?company=%00",
    "/proposals/?session=%00&body=%00&kind=%00&status=%00", "/proposals/?sort=%00", "/proposals/?page=%00",
    "/themes/5g/?status=%00", "/search/?q=%00", "/search/?page=1e20&q=smart", "/delegates/?page=%00",
    "/proposals/feed/?%00=1",
])
def test_a_nul_in_a_reader_parameter_is_dropped(client, world, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert b"\x00" not in response.content


def test_the_search_goes_on_without_the_nul(client, world):
    page = client.get("/proposals/?q=sma%00rt").content.decode()
    assert "Smart disaster warning" in page


@pytest.mark.parametrize("url", [
    "/admin/proposals/proposal/?status=%00", "/admin/proposals/proposal/?q=%00",
    "/admin/proposals/statusevent/?status=%00&authority__id__exact=%00",
    "/admin/people/delegate/?q=%00", "/admin/proposals/proposal/?session__id__exact=abc",
    "/admin/autocomplete/?term=%00&app_label=proposals&model_name=proposal&field_name=related",
])
def test_a_nul_or_a_wrong_key_in_an_admin_list_or_autocomplete(editor_client, world, url):
    response = editor_client.get(url)
    assert response.status_code in (200, 302), response.status_code
    assert b"\x00" not in response.content


@pytest.mark.parametrize("url", [
    "/proposals/?q=x&page=100000000000000000000", "/proposals/?theme=5g&page=1e20", "/proposals/?page=1e20&q=smart",
    "/proposals/?page=%C2%B2", "/themes/5g/?page=100000000000000000000", "/delegates/?page=99999999999999999999",
    "/authorities/miit/?page=100000000000000000000", "/sessions/npc-2020/?page=-100000000000000000000",
])
def test_page_numbers_out_of_range_show_a_real_page(client, world, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert b'class="notice"' in response.content


@pytest.mark.parametrize(("field", "value"), [("session", "abc"), ("themes", "\x00"), ("themes", "abc"),
                                              ("related", "1e9"), ("session", "99999999999999999999")])
def test_an_admin_form_with_a_value_that_is_no_key_shows_a_form_error(editor_client, world, field, value):
    data = proposal_form(world["session"], sponsors=[factories.delegate()])
    data[field] = value
    response = editor_client.post(ADD, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert Proposal.objects.count() == 1


def test_a_formset_claiming_a_hundred_million_rows_is_refused_at_once(editor_client, world):
    data = proposal_form(world["session"], sponsors=[factories.delegate()])
    data["status_events-TOTAL_FORMS"] = "100000000"
    started = time.monotonic()
    response = editor_client.post(ADD, data)
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert "Please submit at most" in response.content.decode()
    assert Proposal.objects.count() == 1
