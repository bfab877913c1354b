"""Writes at the same moment through the API, on real threads: a unique slug taken twice is a 400 naming the
field, never a server error, and retries of one create under one Idempotency-Key make one record."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from proposals.models import Theme

pytestmark = pytest.mark.django_db(transaction=True)
WRITERS = 20


def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite runs one writer at a time)")


def token_client(username):
    # A transactional test starts without the Editors group that a data migration creates: superusers write.
    user = User.objects.create_superuser(username, password="chief-password")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    client.raise_request_exception = False
    return client


def race(calls):
    """Run the calls at the same moment from separate threads; their responses."""
    barrier, responses = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            responses[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def test_twenty_creates_of_one_slug_make_one_theme_and_name_the_slug_to_the_others():
    needs_postgresql()
    clients = [token_client(f"editor-{n}") for n in range(WRITERS)]
    responses = race([
        (lambda client=client: client.post("/api/v1/themes/", {"slug": "5g", "name_en": "5G"}, format="json"))
        for client in clients
    ])
    codes = sorted(response.status_code for response in responses)
    assert codes == [201] + [400] * (WRITERS - 1), codes
    for response in responses:
        if response.status_code == 400:
            assert response["Content-Type"] == "application/json"
            assert "slug" in response.json(), response.json()
    assert Theme.objects.filter(slug="5g").count() == 1


def test_twenty_retries_under_one_idempotency_key_at_once_make_one_theme():
    needs_postgresql()
    client = token_client("editor")
    responses = race([
        (lambda: client.post("/api/v1/themes/", {"slug": "ai", "name_en": "AI"}, format="json",
                             HTTP_IDEMPOTENCY_KEY="one-theme"))
        for _ in range(WRITERS)
    ])
    codes = {response.status_code for response in responses}
    assert codes <= {201, 409}, codes  # 409: the first is still being written, retry later
    created = [response for response in responses if response.status_code == 201]
    assert created and all(response.json() == created[0].json() for response in created)
    assert Theme.objects.filter(slug="ai").count() == 1
    retried = client.post("/api/v1/themes/", {"slug": "ai", "name_en": "AI"}, format="json",
                          HTTP_IDEMPOTENCY_KEY="one-theme")
    assert retried.status_code == 201 and retried.json() == created[0].json()
