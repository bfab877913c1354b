"""The OpenAPI schema validates, documents each operation's errors, and describes what the API really returns."""

import datetime

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from proposals.lifecycle import HandlingRole, Status
from proposals.services import record_status

from . import factories

D = datetime.date


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_only_token_and_session_auth(schema):
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}


@pytest.mark.parametrize(
    "path, method, codes",
    [
        ("/api/v1/proposals/", "get", {"200", "304", "400", "429"}),
        ("/api/v1/proposals/", "post", {"201", "400", "401", "403", "409", "413", "422", "429"}),
        ("/api/v1/proposals/{id}/", "get", {"200", "304", "400", "404", "429"}),  # 400: unknown parameter
        ("/api/v1/proposals/{id}/", "patch", {"200", "400", "401", "403", "404", "412", "413", "428", "429"}),
        ("/api/v1/proposals/{id}/", "delete", {"204", "401", "403", "404", "409", "412", "428", "429"}),
        ("/api/v1/proposals/{id}/status-events/", "post",
         {"201", "400", "401", "403", "404", "409", "412", "413", "422", "428", "429"}),
        ("/api/v1/themes/{slug}/", "put", {"200", "400", "401", "403", "404", "412", "413", "428", "429"}),
    ],
)
def test_each_operation_lists_its_responses(schema, path, method, codes):
    assert set(schema["paths"][path][method]["responses"]) == codes


def _json_schema(node):
    """OpenAPI 3.0 schema objects as JSON Schema: `nullable`, and no property the schema does not name."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if converted.get("type") == "object" and "properties" in converted:
        converted.setdefault("additionalProperties", False)
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def check(schema, response, path, method, expected_status):
    """The request got the answer it was meant to, and that answer's body is the one the schema documents."""
    assert response.status_code == expected_status, (path, method, response.status_code, response.content[:300])
    operation = schema["paths"][path][method]
    documented = operation["responses"][str(response.status_code)]
    if "content" not in documented:
        assert not response.content
        return
    body_schema = documented["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**_json_schema(body_schema), "components": _json_schema(schema["components"])})
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(response.json())]
    assert not errors, (path, method, response.status_code, errors[:5])


@pytest.mark.django_db
def test_responses_match_the_schema(schema):
    cited = factories.source()
    ministry = factories.authority(slug="miit")
    person = factories.delegate(slug="lei-jun")
    factories.membership(delegate=person)
    factories.affiliation(delegate=person, company=factories.company(slug="xiaomi"))
    theme = factories.theme(slug="5g")
    proposal = factories.proposal(themes=[theme], sponsors=[person])
    record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    record_status(proposal, date=D(2020, 7, 1), status=Status.REFERRED, source=cited, authority=ministry,
                  handling_role=HandlingRole.LEAD)
    factories.proposal()  # no status, no themes
    event = proposal.status_events.first()
    anonymous = APIClient()
    editor = APIClient()
    editor.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=factories.editor()).key}")

    detail = f"/api/v1/proposals/{proposal.pk}/"
    reads = [
        ("/api/v1/proposals/", "/api/v1/proposals/", {}, 200),
        ("/api/v1/proposals/", "/api/v1/proposals/", {"include": "timeline", "theme": "5g"}, 200),
        ("/api/v1/proposals/", "/api/v1/proposals/", {"theme": "nope"}, 400),
        (detail, "/api/v1/proposals/{id}/", {}, 200),
        ("/api/v1/proposals/999999/", "/api/v1/proposals/{id}/", {}, 404),
        ("/api/v1/status-events/", "/api/v1/status-events/", {}, 200),
        (f"/api/v1/status-events/{event.pk}/", "/api/v1/status-events/{id}/", {}, 200),
        ("/api/v1/delegates/", "/api/v1/delegates/", {}, 200),
        ("/api/v1/companies/xiaomi/", "/api/v1/companies/{slug}/", {}, 200),
        ("/api/v1/sessions/", "/api/v1/sessions/", {}, 200),
        ("/api/v1/bodies/", "/api/v1/bodies/", {}, 200),
        ("/api/v1/themes/5g/", "/api/v1/themes/{slug}/", {}, 200),
        ("/api/v1/authorities/", "/api/v1/authorities/", {}, 200),
        ("/api/v1/sources/", "/api/v1/sources/", {}, 200),
    ]
    for url, path, query, expected in reads:
        check(schema, anonymous.get(url, query), path, "get", expected)
    current = anonymous.get(detail)["ETag"]
    check(schema, anonymous.get(detail, HTTP_IF_NONE_MATCH=current), "/api/v1/proposals/{id}/", "get", 304)

    patch = "/api/v1/proposals/{id}/"
    check(schema, anonymous.patch(detail, {"number": "1"}, format="json"), patch, "patch", 401)
    etag = anonymous.get(detail)["ETag"]
    check(schema, editor.patch(detail, {"number": "2"}, format="json"), patch, "patch", 428)
    check(schema, editor.patch(detail, {"number": "2"}, format="json", HTTP_IF_MATCH=etag), patch, "patch", 200)
    check(schema, editor.patch(detail, {"number": "3"}, format="json", HTTP_IF_MATCH=etag), patch, "patch", 412)
    check(schema, editor.post("/api/v1/proposals/", {"title_en": "T", "summary": "S", "session": "nope"},
                              format="json"), "/api/v1/proposals/", "post", 400)
    check(schema, editor.post("/api/v1/proposals/", {"title_en": "T", "summary": "S",
                                                     "session": proposal.session.slug}, format="json"),
          "/api/v1/proposals/", "post", 201)
    record = "/api/v1/proposals/{id}/status-events/"
    check(schema, editor.post(f"{detail}status-events/", {"date": "2020-09-01", "status": "replied",
                                                          "source": cited.pk, "authority": "miit",
                                                          "reply_grade": "B"}, format="json",
                              HTTP_IF_MATCH=editor.get(detail)["ETag"]), record, "post", 201)
    check(schema, editor.post(f"{detail}status-events/", {"date": "2020-09-02", "status": "submitted",
                                                          "source": cited.pk}, format="json",
                              HTTP_IF_MATCH=editor.get(detail)["ETag"]), record, "post", 400)


def test_docs_work_offline(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "//cdn" not in html and "unpkg.com" not in html and "jsdelivr" not in html
    # Served by the project's own static files (collectstatic gathers them for WhiteNoise in production).
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_docs_run_under_the_content_security_policy(client):
    import re

    page = client.get("/api/v1/docs/")
    assert page.status_code == 200 and "script-src 'self'" in page["Content-Security-Policy"]
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all(body.strip() == "" and "src=" in attributes for attributes, body in scripts), scripts
    init = next(re.search(r'src="([^"]+)"', attributes).group(1) for attributes, _ in scripts
                if "swagger-ui-bundle" not in attributes and "standalone" not in attributes)
    assert init.startswith("/") or init.startswith("http://testserver/")
    script = client.get(init.replace("&amp;", "&"))
    assert script.status_code == 200 and "javascript" in script["Content-Type"]
    assert b"SwaggerUIBundle" in script.content
