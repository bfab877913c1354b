"""A typed client generated from the schema by openapi-python-client builds without warnings and parses what
the API answers: a list, a detail with every include, the deletions feed, and errors."""

import datetime
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from proposals import services
from proposals.lifecycle import Status

from . import factories

GENERATOR = shutil.which("openapi-python-client", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                                       os.environ.get("PATH", "")]))
pytestmark = pytest.mark.skipif(GENERATOR is None, reason="openapi-python-client is not installed (requirements.txt)")
PACKAGE = "tracker_api_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generated package, imported; and what the generator printed."""
    where = tmp_path_factory.mktemp("client")
    schema = SchemaGenerator().get_schema(request=None, public=True)
    (where / "schema.json").write_bytes(OpenApiJsonRenderer().render(schema))
    (where / "config.yml").write_text(f"package_name_override: {PACKAGE}\n")
    # The generator formats its output with ruff, which sits beside this Python.
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    run = subprocess.run([GENERATOR, "generate", "--path", "schema.json", "--config", "config.yml", "--meta", "none",
                          "--output-path", PACKAGE], cwd=where, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE), run.stdout + run.stderr
    finally:
        sys.path.remove(str(where))
        for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
            del sys.modules[name]


def api(package, name):
    return importlib.import_module(f"{PACKAGE}.api.{name}")


@pytest.fixture
def client(generated):
    import httpx

    package, _output = generated
    # In-process: the generated client's httpx calls the Django application directly, inside the test's
    # transaction; as Django's own test client does, requests must not close that connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    transport = httpx.WSGITransport(app=WSGIHandler())
    try:
        yield package.Client(base_url="http://localhost", httpx_args={"transport": transport},
                             raise_on_unexpected_status=True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_client_is_generated_without_warnings(generated):
    _package, output = generated
    assert "Warning" not in output and "Skipping" not in output, output


@pytest.mark.django_db
def test_it_parses_lists_details_with_every_include_deletions_and_errors(generated, client, settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    package, _output = generated
    session, cited = factories.session(slug="npc-2020"), factories.source()
    proposal = factories.proposal(session=session, themes=[factories.theme(slug="5g")])
    services.record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    gone = factories.theme(slug="gone")
    gone_id = gone.pk
    gone.delete()

    listed = api(package, "proposals.proposals_list").sync(client=client)
    assert [item.id for item in listed.results] == [proposal.pk] and listed.next_ is None
    assert listed.results[0].status.value == "submitted"

    include_item = importlib.import_module(f"{PACKAGE}.models.proposals_retrieve_include_item")
    every = list(include_item.ProposalsRetrieveIncludeItem)
    detail = api(package, "proposals.proposals_retrieve").sync(id=proposal.pk, client=client, include=every)
    assert detail.timeline[0].status.value == "submitted"
    assert detail.embedded.themes[0].slug == "5g" and detail.embedded.session.slug == "npc-2020"
    assert detail.embedded.sponsors[0].lead is True and detail.embedded.sources == []

    list_include = importlib.import_module(f"{PACKAGE}.models.proposals_list_include_item")
    with_embedded = api(package, "proposals.proposals_list").sync(
        client=client, include=list(list_include.ProposalsListIncludeItem))
    assert with_embedded.results[0].embedded.sponsors[0].id == proposal.sponsorships.get().delegate_id

    removed = api(package, "deletions.deletions_list").sync(client=client)
    assert [(row.type_.value, row.id, row.reason.value) for row in removed.results] == [
        ("theme", gone_id, "deleted")]
    assert isinstance(removed.results[0].deleted_at, datetime.datetime)

    refused = api(package, "proposals.proposals_list").sync_detailed(client=client, updated_since=datetime.datetime(
        2026, 12, 1, 8, 34))  # no offset
    assert refused.status_code == 400
    assert "offset or Z" in refused.parsed.additional_properties["updated_since"][0]
    missing = api(package, "proposals.proposals_retrieve").sync_detailed(id=999_999, client=client)
    assert missing.status_code == 404 and missing.parsed.detail
