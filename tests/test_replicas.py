"""Who may read from the replica (tracker/replicas.py); the replica itself is exercised by tests/test_cluster.py."""

import time

from django.test import RequestFactory

from tracker import replicas


def request(method="get", cookies=None, **headers):
    made = getattr(RequestFactory(), method)("/proposals/", **headers)
    made.COOKIES.update(cookies or {})
    return made


def test_an_anonymous_read_may_go_to_the_replica():
    assert replicas.eligible(request())


def test_writes_signed_in_readers_and_token_clients_read_from_the_primary(settings):
    assert not replicas.eligible(request("post"))
    assert not replicas.eligible(request(cookies={settings.SESSION_COOKIE_NAME: "abc"}))
    assert not replicas.eligible(request(HTTP_AUTHORIZATION="Token abc"))


def test_whoever_wrote_reads_from_the_primary_until_the_pin_expires():
    assert not replicas.eligible(request(cookies={replicas.PIN_COOKIE: str(int(time.time()) + 30)}))
    assert replicas.eligible(request(cookies={replicas.PIN_COOKIE: str(int(time.time()) - 1)}))
    assert replicas.eligible(request(cookies={replicas.PIN_COOKIE: "not a time"}))


def test_the_router_sends_writes_and_migrations_to_the_primary():
    router = replicas.ReplicaRouter()
    assert router.db_for_write(None) == "default"
    assert router.db_for_read(None) == "default"  # outside a routed request
    token = replicas._use_replica.set(True)
    try:
        assert router.db_for_read(None) == replicas.REPLICA
        assert router.db_for_write(None) == "default"
    finally:
        replicas._use_replica.reset(token)
    assert router.allow_migrate("default", "proposals") and not router.allow_migrate(replicas.REPLICA, "proposals")
