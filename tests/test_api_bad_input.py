"""No request to the API ends in a server error: browsers, NUL characters, `%`, numbers out of range, deep JSON,
foreign relation URLs, dates out of range, oversized bodies and texts. Each is a 400 (or 404, 413) naming the
parameter or field, in the API's JSON error shape."""

import base64
import datetime
import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from people.models import Company, Delegate
from proposals.lifecycle import Status
from proposals.models import Proposal, Source, StatusEvent, Theme
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date
HUGE = "99999999999999999999"  # beyond a 64-bit integer

LISTS = ["proposals", "status-events", "sessions", "bodies", "themes", "authorities", "sources", "delegates",
         "companies"]
# Every query parameter of every list (paging ones on all).
FILTERS = {
    "proposals": ["theme", "status", "session", "body", "kind", "delegate", "company", "submitted_after",
                  "submitted_before", "status_after", "status_before", "q", "updated_since", "include"],
    "status-events": ["proposal", "status", "authority", "date_after", "date_before", "updated_since"],
    "sessions": ["body", "year"],
    "delegates": ["body", "company"],
}
PAGING = ["ordering", "cursor", "page_size"]


def editor_api(username="editor"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=factories.editor(username)).key}")
    return client


def anonymous():
    client = APIClient()
    client.raise_request_exception = False  # a server error is an answer to assert on, not an exception
    return client


def assert_error_naming(response, name, status=400):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    # A nested field is named by its dotted path (sponsors.0): the field itself leads it.
    assert any(key == name or key.startswith(f"{name}.") for key in body), (name, body)
    return body


@pytest.fixture
def world():
    """One of everything, so that every list and detail has a row to show."""
    cited = factories.source()
    ministry = factories.authority(slug="miit")
    person = factories.delegate(slug="lei-jun")
    factories.membership(delegate=person)
    factories.affiliation(delegate=person, company=factories.company(slug="xiaomi"))
    theme = factories.theme(slug="5g")
    session = factories.session(slug="npc-2020", opened_on=D(2020, 5, 22))
    factories.seat(person, session)
    proposal = factories.proposal(session=session, themes=[theme], sponsors=[person])
    event = record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    return {
        "proposals": proposal.pk, "status-events": event.pk, "sessions": session.slug, "bodies": "npc",
        "themes": "5g", "authorities": ministry.slug, "sources": cited.pk, "delegates": "lei-jun",
        "companies": "xiaomi",
    }


# 1. Browsers get the browsable API, not a server error.

@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_every_list_and_detail_renders_for_a_browser(world, who):
    client = anonymous() if who == "anonymous" else editor_api()
    client.raise_request_exception = False
    for resource in LISTS:
        for url in (f"/api/v1/{resource}/", f"/api/v1/{resource}/{world[resource]}/"):
            for response in (client.get(url, HTTP_ACCEPT="text/html"), client.get(url, {"format": "api"})):
                assert response.status_code == 200, (url, response.status_code, response.content[-500:])
                assert response["Content-Type"].startswith("text/html"), url
                assert b"<html" in response.content


def test_the_browsable_filter_form_keeps_the_chosen_values(world):
    page = anonymous().get("/api/v1/proposals/", {"theme": "5g", "status": "submitted,filed"},
                           HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert 'value="submitted,filed"' in page.content.decode()


def test_options_on_every_detail_describes_it_without_a_server_error(world):
    editor = editor_api()
    editor.raise_request_exception = False
    for resource in LISTS:
        response = editor.options(f"/api/v1/{resource}/{world[resource]}/")
        assert response.status_code == 200, (resource, response.content[:300])
        assert "actions" in response.json() or resource in {"status-events"}, resource


# 2. NUL characters

@pytest.mark.parametrize("resource", LISTS)
def test_a_nul_in_any_parameter_of_any_list_is_a_400_naming_it(resource):
    for name in [*FILTERS.get(resource, []), *PAGING]:
        assert_error_naming(anonymous().get(f"/api/v1/{resource}/?{name}=a%00b"), name)


def test_a_nul_in_an_export_filter_is_a_400_naming_it():
    for name in [*FILTERS["proposals"][:-1], "ordering"]:
        assert_error_naming(anonymous().get(f"/api/v1/proposals/export/?{name}=%00"), name)


def payloads(world):
    """resource -> a valid creation payload, with every writable text and relation field set."""
    return {
        "proposals": {"title_en": "Satellite internet", "title_zh": "卫星互联网", "slug": "satellite-internet",
                      "summary": "Put it in the plan.", "summary_zh": "纳入规划。", "full_text": "Full text.",
                      "number": "1234", "session": "npc-2020", "themes": ["5g"], "sources": [world["sources"]],
                      "related": [world["proposals"]], "sponsors": ["lei-jun"], "kind": "npc_suggestion"},
        "status-events": {"proposal": world["proposals"], "date": "2020-06-01", "status": "referred",
                          "source": world["sources"], "authority": "miit", "handling_role": "lead",
                          "note": "Sent on.", "adopted_in": ""},
        "sessions": {"slug": "npc-2021", "body": "npc", "term": 14, "number": 1, "year": 2021,
                     "name_en": "NPC 2021", "name_zh": "十三届全国人大四次会议", "opened_on": "2021-03-05"},
        "bodies": {"slug": "gd", "name_en": "Guangdong Congress", "name_zh": "广东省人大", "abbreviation": "GD",
                   "kind": "congress", "level": "provincial", "region": "Guangdong"},
        "themes": {"slug": "ai", "name_en": "AI", "name_zh": "人工智能", "description": "Machines.",
                   "parent": "5g"},
        "authorities": {"slug": "mof", "name_en": "Ministry of Finance", "name_zh": "财政部",
                        "abbreviation": "MOF", "website": "https://www.mof.gov.cn/"},
        "sources": {"source_url": "https://example.org/a", "title": "A report", "publisher": "News",
                    "author": "A. Writer", "quote": "Quoted.", "note": "Noted.", "published_on": "2020-05-23"},
        "delegates": {"slug": "ma-huateng", "name_en": "Ma Huateng", "name_zh": "马化腾", "name_pinyin": "Mǎ",
                      "other_names": "Pony Ma", "bio": "Founder."},
        "companies": {"slug": "tencent", "name_en": "Tencent", "name_zh": "腾讯", "sector": "Internet",
                      "website": "https://www.tencent.com/", "description": "Games and chat."},
    }


def test_every_payload_is_valid_as_it_stands(world):
    editor = editor_api()
    for resource, payload in payloads(world).items():
        created = editor.post(f"/api/v1/{resource}/", payload, format="json")
        assert created.status_code == 201, (resource, created.content)


@pytest.mark.parametrize("resource", LISTS)
def test_a_nul_in_any_text_or_relation_of_a_body_is_a_400_naming_the_field(world, resource):
    editor = editor_api()
    payload = payloads(world)[resource]
    for name, value in payload.items():
        if isinstance(value, list):
            spoiled = [f"{value[0]}\x00"]
        elif isinstance(value, str) and value:
            spoiled = f"{value}\x00"
        elif isinstance(value, str):
            spoiled = "\x00"
        else:
            continue
        response = editor.post(f"/api/v1/{resource}/", {**payload, name: spoiled}, format="json")
        assert_error_naming(response, name)
    # Relation fields take a URL as well: a NUL inside one is refused the same way.
    for name, value in payload.items():
        if name in {"session", "body", "parent", "source", "authority", "proposal"}:
            spoiled = f"http://testserver/api/v1/x\x00/{value}/"
            assert_error_naming(editor.post(f"/api/v1/{resource}/", {**payload, name: spoiled}, format="json"),
                                name)


# 3. `%` in a value is shown, not formatted

@pytest.mark.parametrize("url, name", [
    ("/api/v1/proposals/?session=%25", "session"),
    ("/api/v1/sessions/?body=%25", "body"),
    ("/api/v1/delegates/?company=%25", "company"),
    ("/api/v1/status-events/?authority=%25", "authority"),
    ("/api/v1/proposals/?delegate=%25O", "delegate"),
    ("/api/v1/proposals/?theme=%25(x)s", "theme"),
    ("/api/v1/proposals/?status=%25s", "status"),
    ("/api/v1/proposals/?kind=%25d", "kind"),
    ("/api/v1/proposals/?ordering=%25s", "ordering"),
    ("/api/v1/proposals/?include=%25s", "include"),
    ("/api/v1/proposals/?%25s=1", "%s"),
    ("/api/v1/proposals/export/?theme=%25", "theme"),
])
def test_a_percent_sign_in_a_value_is_a_400_naming_the_parameter_and_the_value(url, name):
    body = assert_error_naming(anonymous().get(url), name)
    value = url.split("=", 1)[1].replace("%25", "%") if "?%" not in url else None
    if value and name not in {"ordering", "include"}:
        assert value in str(body[name]), body


# 4. Numbers out of range

def cursor(payload):
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize("url, name", [
    ("/api/v1/proposals/?page_size=%C2%B2", "page_size"),
    ("/api/v1/proposals/?page_size=%D9%A3", "page_size"),  # ARABIC-INDIC DIGIT THREE
    ("/api/v1/proposals/?page_size=1e2", "page_size"),
    ("/api/v1/proposals/?page_size=" + HUGE, "page_size"),
    ("/api/v1/status-events/?proposal=" + HUGE, "proposal"),
    ("/api/v1/status-events/?proposal=-" + HUGE, "proposal"),
    ("/api/v1/status-events/?proposal=1.5", "proposal"),
    ("/api/v1/status-events/?proposal=1e3", "proposal"),
    ("/api/v1/sessions/?year=" + HUGE, "year"),
    ("/api/v1/sessions/?year=2020.5", "year"),
    ("/api/v1/sessions/?year=2e3", "year"),
    ("/api/v1/proposals/?cursor=" + cursor({"o": "-status_date", "v": "2020-05-22", "i": int(HUGE)}), "cursor"),
    ("/api/v1/proposals/?cursor=" + cursor({"o": "-status_date", "v": "2020-05-22", "i": -int(HUGE)}), "cursor"),
    ("/api/v1/proposals/?cursor=" + cursor({"o": "-status_date", "v": "2020-05-22", "i": 2**63}), "cursor"),
    ("/api/v1/proposals/?cursor=" + cursor({"o": "-id", "v": None, "i": 2**63}), "cursor"),
    ("/api/v1/proposals/?ordering=updated_at&cursor="
     + cursor({"o": "updated_at", "v": "0001-01-01T00:00:00+14:00", "i": 1}), "cursor"),
    ("/api/v1/proposals/?ordering=updated_at&cursor="
     + cursor({"o": "updated_at", "v": "9999-12-31T23:59:59-14:00", "i": 1}), "cursor"),
    ("/api/v1/proposals/?cursor=" + cursor({"o": "-status_date", "v": "0000-01-01", "i": 1}), "cursor"),
    ("/api/v1/proposals/?cursor=" + cursor({"o": "-status_date", "v": 1.5e308, "i": 1}), "cursor"),
    ("/api/v1/proposals/?updated_since=0001-01-01T00:00:00%2B14:00", "updated_since"),
    ("/api/v1/proposals/?updated_since=9999-12-31T23:59:59-14:00", "updated_since"),
    ("/api/v1/status-events/?updated_since=0001-01-01T00:00:00%2B14:00", "updated_since"),
])
def test_numbers_and_positions_out_of_range_are_a_400_naming_the_parameter(url, name):
    factories.proposal()
    assert_error_naming(anonymous().get(url), name)


@pytest.mark.parametrize("path", [
    f"/api/v1/proposals/{HUGE}/", f"/api/v1/status-events/{HUGE}/", f"/api/v1/sources/{HUGE}/",
    "/api/v1/proposals/9223372036854775808/", "/api/v1/sources/9223372036854775807/",
])
def test_an_id_out_of_range_in_a_path_is_a_json_404(path):
    response = anonymous().get(path)
    assert_error_naming(response, "detail", status=404)
    editor = editor_api()
    editor.raise_request_exception = False
    for write in (editor.patch(path, {}, format="json"), editor.delete(path),
                  editor.post(f"{path}status-events/", {}, format="json")):
        assert_error_naming(write, "detail", status=404)


def test_ids_out_of_range_in_a_body_are_a_400_naming_the_field(world):
    editor = editor_api()
    editor.raise_request_exception = False
    payload = payloads(world)["status-events"]
    for name in ("proposal", "source"):
        for value in (int(HUGE), -int(HUGE), 2**63, HUGE, f"http://testserver/api/v1/{name}s/{HUGE}/", True):
            response = editor.post("/api/v1/status-events/", {**payload, name: value}, format="json")
            assert_error_naming(response, name)
    proposal = payloads(world)["proposals"]
    for value in ([int(HUGE)], [HUGE], [f"http://testserver/api/v1/proposals/{HUGE}/"], [2**63]):
        assert_error_naming(editor.post("/api/v1/proposals/", {**proposal, "related": value}, format="json"),
                            "related")


# 5. Deep JSON

@pytest.mark.parametrize("depth", [2_000, 10_000])
def test_json_nested_deeply_is_a_json_400(world, depth):
    editor = editor_api()
    editor.raise_request_exception = False
    body = "[" * depth + "]" * depth
    etag = editor.get(f"/api/v1/proposals/{world['proposals']}/")["ETag"]
    for url in ("/api/v1/themes/", f"/api/v1/proposals/{world['proposals']}/status-events/"):
        response = editor.post(url, body, content_type="application/json", HTTP_IF_MATCH=etag)
        assert_error_naming(response, "detail")
    nested = '{"a":' * depth + "1" + "}" * depth
    assert_error_naming(editor.post("/api/v1/themes/", nested, content_type="application/json"), "detail")


def test_malformed_json_keeps_drfs_error_shape():
    editor = editor_api()
    response = editor.post("/api/v1/themes/", "{not json", content_type="application/json")
    body = assert_error_naming(response, "detail")
    assert body["detail"].startswith("JSON parse error")


# 9. Limits on what comes in

def test_a_body_over_the_upload_limit_is_a_413_and_stores_nothing(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    editor = editor_api()
    big = {"slug": "big", "name_en": "Big", "description": "x" * 20_000}
    response = editor.post("/api/v1/themes/", big, format="json")
    assert_error_naming(response, "detail", status=413)
    assert not Theme.objects.filter(slug="big").exists()
    form = editor.post("/api/v1/themes/", big)  # multipart, as the browsable API sends it
    assert form.status_code in (400, 413) and not Theme.objects.filter(slug="big").exists()


def test_a_ten_megabyte_description_is_refused():
    editor = editor_api()
    response = editor.post("/api/v1/themes/", {"slug": "big", "name_en": "Big", "description": "x" * 10_000_000},
                           format="json")
    assert response.status_code == 413
    assert not Theme.objects.filter(slug="big").exists()


# The longest text each field takes; one more character is a 400 naming the field.
TEXT_LIMITS = [
    ("themes", "description", Theme), ("companies", "description", Company), ("delegates", "bio", Delegate),
    ("sources", "quote", Source), ("sources", "note", Source), ("proposals", "summary", Proposal),
    ("proposals", "summary_zh", Proposal), ("proposals", "full_text", Proposal),
    ("status-events", "note", StatusEvent),
]


@pytest.mark.parametrize("resource, name, model", TEXT_LIMITS)
def test_text_fields_have_a_maximum_length(world, resource, name, model):
    model_field = {"summary": "summary_en"}.get(name, name)
    limit = model._meta.get_field(model_field).max_length
    assert limit, f"{resource}.{name} has no max_length on the model"
    editor = editor_api()
    payload = payloads(world)[resource]
    response = editor.post(f"/api/v1/{resource}/", {**payload, name: "x" * (limit + 1)}, format="json")
    body = assert_error_naming(response, name)
    assert str(limit) in str(body[name])


# 10. Dates out of range, a proposal related to itself, relation URLs of another host

@pytest.mark.parametrize("resource, name", [
    ("status-events", "date"), ("sessions", "opened_on"), ("sessions", "closed_on"), ("sources", "published_on"),
])
@pytest.mark.parametrize("date", ["0001-01-01", "1800-06-01", "1948-12-31", "2999-01-01", "9999-12-31"])
def test_dates_outside_a_sane_range_are_a_field_error(world, resource, name, date):
    editor = editor_api()
    payload = {**payloads(world)[resource], name: date}
    if resource == "status-events":
        payload = {**payload, "status": "announced", "authority": None, "handling_role": ""}
    assert_error_naming(editor.post(f"/api/v1/{resource}/", payload, format="json"), name)


def test_an_announcement_in_year_one_is_refused(world):
    editor = editor_api()
    url = f"/api/v1/proposals/{world['proposals']}/"
    etag = editor.get(url)["ETag"]
    response = editor.post(f"{url}status-events/", {"date": "0001-01-01", "status": "announced",
                                                   "source": world["sources"]}, format="json", HTTP_IF_MATCH=etag)
    assert_error_naming(response, "date")


def test_a_proposal_cannot_be_related_to_itself_on_create_or_update(world):
    editor = editor_api()
    url = f"/api/v1/proposals/{world['proposals']}/"
    for related in ([world["proposals"]], [f"http://testserver{url}"]):
        for method in ("patch", "put"):
            etag = editor.get(url)["ETag"]
            payload = {"related": related} if method == "patch" else {**payloads(world)["proposals"],
                                                                     "related": related}
            response = getattr(editor, method)(url, payload, format="json", HTTP_IF_MATCH=etag)
            assert_error_naming(response, "related")
    next_id = Proposal.objects.order_by("-pk").first().pk + 1
    created = editor.post("/api/v1/proposals/", {**payloads(world)["proposals"], "related": [next_id]},
                          format="json")
    assert_error_naming(created, "related")
    assert not Proposal.objects.filter(pk=next_id).exists()


@pytest.mark.parametrize("resource, name, value", [
    ("themes", "parent", "https://evil.example/api/v1/themes/5g/"),
    ("sessions", "body", "https://evil.example/api/v1/bodies/npc/"),
    ("status-events", "source", "http://evil.example/api/v1/sources/{sources}/"),
    ("status-events", "proposal", "//evil.example/api/v1/proposals/{proposals}/"),
    ("proposals", "themes", ["https://evil.example/api/v1/themes/5g/"]),
    ("proposals", "sponsors", ["https://evil.example/api/v1/delegates/lei-jun/"]),
    ("proposals", "session", "ftp://testserver/api/v1/sessions/npc-2020/"),
])
def test_relation_urls_of_another_host_are_a_field_error(world, resource, name, value):
    value = [item.format(**world) for item in value] if isinstance(value, list) else value.format(**world)
    editor = editor_api()
    body = assert_error_naming(editor.post(f"/api/v1/{resource}/", {**payloads(world)[resource], name: value},
                                           format="json"), name)
    assert "evil.example" not in str(body) or "server" in str(body)


def test_relation_urls_of_this_host_and_paths_are_accepted(world):
    editor = editor_api()
    payload = {**payloads(world)["themes"], "parent": "http://testserver/api/v1/themes/5g/"}
    assert editor.post("/api/v1/themes/", payload, format="json").status_code == 201
    payload = {**payloads(world)["themes"], "slug": "ai-2", "parent": "/api/v1/themes/5g/"}
    assert editor.post("/api/v1/themes/", payload, format="json").status_code == 201



# Found by Schemathesis (make api-fuzz) once the API grew id listings, strict fields and trimming.

@pytest.mark.parametrize("method, path", [
    ("put", "/api/v1/themes/"), ("post", "/api/v1/themes/ids/"), ("post", "/api/v1/sessions/npc-2020/"),
    ("delete", "/api/v1/proposals/export/"), ("post", "/api/v1/scorecards/"),
])
def test_a_method_an_address_does_not_take_is_a_405_even_without_credentials(method, path):
    answer = getattr(APIClient(), method)(path)
    assert answer.status_code == 405 and "not allowed" in answer.json()["detail"]
    assert method.upper() not in answer["Allow"] and "GET" in answer["Allow"]


@pytest.mark.parametrize("query", ["?=1", "?detail=x"])
def test_a_parameter_without_a_name_of_its_own_is_named_in_the_one_message(query):
    answer = APIClient().get("/api/v1/themes/ids/" + query)
    assert answer.status_code == 400
    assert isinstance(answer.json()["detail"], str) and "Unknown parameter" in answer.json()["detail"]


def test_a_field_called_detail_is_refused_in_the_same_one_message():
    editor = APIClient()
    editor.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=factories.editor()).key}")
    answer = editor.post("/api/v1/themes/", {"slug": "x", "name_en": "X", "detail": "y"}, format="json")
    assert answer.status_code == 400 and isinstance(answer.json()["detail"], str)
    assert "“detail”" in answer.json()["detail"] and not Theme.objects.filter(slug="x").exists()


def test_more_than_fifty_values_of_a_filter_count_repeats():
    answer = APIClient().get("/api/v1/proposals/", {"status": ["filed", "referred"] * 26})
    assert answer.status_code == 400 and "at most 50" in answer.json()["status"][0]


def test_a_trimmed_proposal_still_says_which_it_is():
    proposal = factories.proposal()
    item = APIClient().get("/api/v1/proposals/", {"fields": "status"}).json()["results"][0]
    assert item == {"id": proposal.pk, "status": proposal.status}
