"""What a generated client reads in the schema: open reads, described filters and includes, rate-limit headers."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from . import factories


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_reads_need_no_credentials_and_writes_name_them(schema):
    for path, method, operation in operations(schema):
        if method == "get":
            assert not operation.get("security"), path
        else:
            assert {"tokenAuth": []} in operation["security"], (path, method)
    assert not schema.get("security")


def test_every_query_parameter_is_described(schema):
    for path, method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                assert parameter.get("description"), (path, method, parameter["name"])


def test_include_and_fields_list_their_values(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/proposals/"]["get"]["parameters"]}
    assert parameters["include"]["schema"]["items"]["enum"] == [
        "timeline", "sponsors", "themes", "session", "sources", "related"]
    assert {"id", "title_en", "embedded"} <= set(parameters["fields"]["schema"]["items"]["enum"])
    detail = {p["name"] for p in schema["paths"]["/api/v1/proposals/{id}/"]["get"]["parameters"]}
    assert {"include", "fields"} <= detail


def test_the_export_and_id_listings_list_their_filters(schema):
    export = {p["name"] for p in schema["paths"]["/api/v1/proposals/export/"]["get"]["parameters"]}
    assert {"theme", "session", "status", "delegate", "updated_since", "q", "ordering"} <= export
    ids = {p["name"] for p in schema["paths"]["/api/v1/proposals/ids/"]["get"]["parameters"]}
    assert {"theme", "updated_since"} <= ids
    deletions = {p["name"] for p in schema["paths"]["/api/v1/deletions/"]["get"]["parameters"]}
    assert {"since", "type", "cursor"} <= deletions


def test_rate_limit_headers_are_documented(schema):
    headers = schema["paths"]["/api/v1/themes/"]["get"]["responses"]["200"]["headers"]
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(headers)


@pytest.mark.django_db
def test_every_api_response_carries_its_rate_limit(monkeypatch, settings):
    settings.RESPONSE_CACHE = False
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/min", raising=False)
    client = APIClient()
    answers = [client.get("/api/v1/themes/"), client.get("/api/v1/themes/", {"nope": 1}),
               client.get("/api/v1/proposals/999/"), client.get("/api/v1/themes/")]
    assert [answer.status_code for answer in answers] == [200, 400, 404, 429]
    assert [answer["X-RateLimit-Remaining"] for answer in answers] == ["2", "1", "0", "0"]
    assert all(answer["X-RateLimit-Limit"] == "3" and 0 < int(answer["X-RateLimit-Reset"]) <= 60
               for answer in answers)

    editor = APIClient()
    editor.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=factories.editor()).key}")
    signed_in = editor.get("/api/v1/themes/")
    assert signed_in["X-RateLimit-Limit"] == "3000" and signed_in["X-RateLimit-Remaining"] == "2999"


@pytest.mark.django_db
def test_a_cached_response_replays_no_other_clients_count(settings):
    settings.RESPONSE_CACHE = True
    client = APIClient()
    first = client.get("/api/v1/themes/")
    assert first["X-RateLimit-Remaining"]
    hit = client.get("/api/v1/themes/")
    assert hit.status_code == 200 and "X-RateLimit-Remaining" not in hit
