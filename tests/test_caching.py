"""The data version and the response cache: shared by every worker, moved by every write, never stale."""

import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.utils.translation import get_language

from proposals.lifecycle import Status
from proposals.models import Proposal, Theme
from proposals.services import record_status
from tracker import caching

from . import factories

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.test_caching")]

calls = []


def proposal_status(request, pk):
    calls.append(request.path)
    proposal = Proposal.objects.get(pk=pk)
    return HttpResponse(f"{proposal.title_en}: {proposal.status or '-'}")


def theme_name(request, pk):
    calls.append(request.path)
    return HttpResponse(Theme.objects.get(pk=pk).name_en)


def language(request):
    calls.append(request.path)
    return HttpResponse(get_language())


def sets_cookie(request):
    calls.append(request.path)
    response = HttpResponse("with a cookie")
    response.set_cookie("seen", "1")
    return response


def private(request):
    calls.append(request.path)
    response = HttpResponse("for one reader")
    response["Cache-Control"] = "private"
    return response


def revalidate_each_time(request):
    calls.append(request.path)
    response = HttpResponse("clients must revalidate")
    response["Cache-Control"] = "no-cache"
    return response


def varies_on_cookie(request):
    calls.append(request.path)
    response = HttpResponse("the same for everyone without cookies")
    response["Vary"] = "Cookie"
    return response


urlpatterns = [
    path("status/<int:pk>/", proposal_status),
    path("theme/<int:pk>/", theme_name),
    path("language/", language),
    path("cookie/", sets_cookie),
    path("private/", private),
    path("vary-cookie/", varies_on_cookie),
    path("revalidate/", revalidate_each_time),
    path("admin/", admin.site.urls),
]


@pytest.fixture(autouse=True)
def response_cache(settings):
    settings.RESPONSE_CACHE = True
    calls.clear()


@pytest.fixture
def reader():
    return Client()


@pytest.fixture
def proposal():
    return factories.proposal(session=factories.session(opened_on=datetime.date(2020, 5, 22)))


def test_a_repeated_anonymous_read_does_not_run_the_view(reader, proposal):
    first = reader.get(f"/status/{proposal.pk}/")
    second = reader.get(f"/status/{proposal.pk}/")
    assert second.content == first.content
    assert len(calls) == 1


def test_record_status_is_seen_by_the_very_next_read(reader, proposal):
    assert reader.get(f"/status/{proposal.pk}/").content.endswith(b": -")
    record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=factories.source())
    assert reader.get(f"/status/{proposal.pk}/").content.endswith(b": submitted")
    assert len(calls) == 2


def test_an_editors_save_in_the_admin_is_seen_by_the_very_next_read(reader):
    theme = factories.theme(name_en="Satellite internet")
    editor = Client()
    editor.force_login(factories.editor())
    assert reader.get(f"/theme/{theme.pk}/").content == b"Satellite internet"
    saved = editor.post(
        f"/admin/proposals/theme/{theme.pk}/change/",
        {"slug": theme.slug, "name_en": "Satellite internet and 6G", "name_zh": "", "description": ""},
    )
    assert saved.status_code == 302, saved.content[:500]
    assert reader.get(f"/theme/{theme.pk}/").content == b"Satellite internet and 6G"


def test_a_bump_by_another_process_is_seen_although_this_process_cache_is_its_own(reader, proposal):
    reader.get(f"/status/{proposal.pk}/")
    # Another gunicorn worker's write: it moves the shared version and the tags it touched in the database, not
    # this process's cache.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tracker_data_version SET version = version + 1 WHERE id = 1")
        for tag in (caching.PROPOSALS, caching.proposal_tag(proposal.pk)):
            cursor.execute("INSERT INTO tracker_cache_tag (tag, version) SELECT %s, version FROM tracker_data_version "
                           "WHERE true ON CONFLICT (tag) DO UPDATE SET version = excluded.version", [tag])
    Proposal.objects.filter(pk=proposal.pk).update(status=Status.FILED)
    assert reader.get(f"/status/{proposal.pk}/").content.endswith(b": filed")


def test_the_version_survives_a_cleared_cache_and_every_write_moves_it_on(proposal):
    before = caching.data_version()
    caching.clear_cache()
    assert caching.data_version() == before
    factories.theme()
    assert caching.data_version() > before


def test_if_none_match_is_answered_304_without_running_the_view(reader, proposal):
    etag = reader.get(f"/status/{proposal.pk}/")["ETag"]
    revalidated = reader.get(f"/status/{proposal.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert revalidated.status_code == 304
    assert revalidated["ETag"] == etag
    assert len(calls) == 1


def test_a_first_conditional_read_is_stored_and_then_answered_304(reader, proposal):
    etag = reader.get(f"/status/{proposal.pk}/")["ETag"]
    caching.clear_cache()
    assert reader.get(f"/status/{proposal.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert reader.get(f"/status/{proposal.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(calls) == 2  # The first read, and the revalidation that found nothing stored.


def test_an_old_etag_gets_the_new_content_after_a_write(reader, proposal):
    etag = reader.get(f"/status/{proposal.pk}/")["ETag"]
    record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=factories.source())
    answer = reader.get(f"/status/{proposal.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200 and answer.content.endswith(b": submitted")


def test_languages_do_not_share_entries(reader):
    assert reader.get("/language/", HTTP_ACCEPT_LANGUAGE="zh-hans").content == b"zh-hans"
    assert reader.get("/language/", HTTP_ACCEPT_LANGUAGE="en").content == b"en"
    assert reader.get("/language/", HTTP_ACCEPT_LANGUAGE="zh-hans").content == b"zh-hans"
    assert len(calls) == 2


def test_accept_headers_do_not_share_entries(reader, proposal):
    reader.get(f"/status/{proposal.pk}/", HTTP_ACCEPT="application/json")
    reader.get(f"/status/{proposal.pk}/", HTTP_ACCEPT="text/html")
    assert len(calls) == 2


@pytest.mark.parametrize("url", ["/cookie/", "/private/"])
def test_responses_for_one_reader_are_not_stored(reader, url):
    reader.get(url)
    reader.get(url)
    assert len(calls) == 2


def test_a_response_clients_must_revalidate_is_stored_and_revalidated_here(reader):
    etag = reader.get("/revalidate/")["ETag"]
    assert reader.get("/revalidate/")["Cache-Control"] == "no-cache"
    assert reader.get("/revalidate/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(calls) == 1


def test_signed_in_readers_and_credentials_bypass_the_cache(proposal):
    signed_in = Client()
    signed_in.force_login(factories.editor())
    signed_in.get(f"/status/{proposal.pk}/")
    signed_in.get(f"/status/{proposal.pk}/")
    Client().get(f"/status/{proposal.pk}/", HTTP_AUTHORIZATION="Token abc")
    assert len(calls) == 3


def test_a_response_varying_on_cookies_is_not_given_to_a_reader_with_cookies(reader):
    reader.get("/vary-cookie/")
    reader.get("/vary-cookie/")
    assert len(calls) == 1
    with_cookie = Client()
    with_cookie.cookies["preference"] = "compact"
    with_cookie.get("/vary-cookie/")
    assert len(calls) == 2


def test_no_cache_from_the_client_runs_the_view(reader, proposal):
    reader.get(f"/status/{proposal.pk}/")
    reader.get(f"/status/{proposal.pk}/", HTTP_CACHE_CONTROL="no-cache")
    assert len(calls) == 2


def test_off_when_the_setting_is_off(reader, proposal, settings):
    settings.RESPONSE_CACHE = False
    reader.get(f"/status/{proposal.pk}/")
    reader.get(f"/status/{proposal.pk}/")
    assert len(calls) == 2


def test_a_cached_read_costs_one_query(reader, proposal, django_assert_num_queries):
    reader.get(f"/status/{proposal.pk}/")
    with django_assert_num_queries(1):  # The data version, by primary key.
        reader.get(f"/status/{proposal.pk}/")


def test_cached_piece_is_recomputed_after_a_write():
    computed = []
    caching.cached_piece("theme-count", compute=lambda: computed.append(1) or Theme.objects.count())
    caching.cached_piece("theme-count", compute=lambda: computed.append(1) or Theme.objects.count())
    factories.theme()
    assert caching.cached_piece("theme-count", compute=lambda: computed.append(1) or Theme.objects.count()) == 1
    assert len(computed) == 2
