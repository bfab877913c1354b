"""What every test module shares: a fresh cache per test, and rows built once per module.

Rows built once per module: a module-scoped fixture that takes `module_db` builds its rows inside one
transaction that stays open for the whole module and is rolled back after it. Each test runs in its own
savepoint inside that transaction (pytest-django's usual per-test one), so what a test writes is undone
before the next test starts. Such fixtures should hand each test its own copy of the model instances
(copy.deepcopy), so that no test sees attributes another one changed in memory.

The rows stay until the module ends, so a test of the module that does not ask for them must not run after
one that does: within each module, tests run in order of the rows they use (none first), and a test that
would see rows it did not ask for, or a transactional test while they exist, fails at setup saying so.
"""

import pytest
from django.db import transaction


@pytest.fixture
def editor_client(client):
    """The test client, signed in as a member of the Editors group."""
    from . import factories

    client.force_login(factories.editor())
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """No test sees what another one cached."""
    from tracker.caching import clear_cache

    clear_cache()
    yield
    clear_cache()


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """One transaction for the module's shared rows, rolled back once its last test has run."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def shared_rows(item):
    """`module_db` and the module-scoped fixtures built on it that this test uses, directly or not."""
    if "module_db" not in getattr(item, "fixturenames", ()):
        return frozenset()
    definitions = item._fixtureinfo.name2fixturedefs
    shared = {"module_db"}
    grew = True
    while grew:
        grew = False
        for name in item.fixturenames:
            fixturedefs = definitions.get(name)
            if name in shared or not fixturedefs or fixturedefs[-1].scope != "module":
                continue
            if shared.intersection(fixturedefs[-1].argnames):
                shared.add(name)
                grew = True
    return frozenset(shared)


def is_transactional(item):
    """Whether pytest-django runs this test without a transaction of its own (and empties the tables after)."""
    marker = item.get_closest_marker("django_db")
    flagged = marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
                                      or any(marker.args[:2]))
    names = getattr(item, "fixturenames", ())
    return bool(flagged or "transactional_db" in names or "live_server" in names)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Within each module, the tests that use no shared rows first, then by the rows they use."""
    start = 0
    while start < len(items):
        end = start
        while end < len(items) and getattr(items[end], "module", None) is getattr(items[start], "module", None):
            end += 1
        items[start:end] = sorted(items[start:end], key=lambda item: (len(shared_rows(item)),
                                                                      sorted(shared_rows(item))))
        start = end


_built = {"module": None, "rows": frozenset()}


def pytest_runtest_setup(item):
    """Refuse to run a test among shared rows it did not ask for (say, when another ordering was forced)."""
    module = getattr(item, "module", None)
    if module is not _built["module"]:
        _built.update(module=module, rows=frozenset())
    wanted = shared_rows(item)
    if is_transactional(item) and (wanted or _built["rows"]):
        pytest.fail("a transactional test cannot run among rows built once per module", pytrace=False)
    unwanted = _built["rows"] - wanted
    if unwanted:
        pytest.fail(f"this test would see rows it did not ask for ({', '.join(sorted(unwanted))}): "
                    "run it before the tests that use them", pytrace=False)
    _built["rows"] |= wanted


@pytest.fixture
def editor():
    """An API client holding an editor's token (modules where `editor` means something else define their own)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from . import factories

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=factories.editor()).key}")
    return client


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for a module's browser tests (tests/test_browser.py finds it, or skips saying how)."""
    from .test_browser import CHROMIUM_ARGS, chromium_path

    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test skipped by its fixture is reported where the skip was decided, not at the test, so the
    summary folds the five into one line."""
    report = yield
    skipped_here = report.skipped and call.excinfo is not None and isinstance(report.longrepr, tuple)
    if skipped_here and "browser" in item.keywords:
        decided = [entry for entry in call.excinfo.traceback if str(entry.path) == str(item.path)]
        if decided:
            report.longrepr = (str(decided[-1].path), decided[-1].lineno + 1, report.longrepr[2])
    return report


def pytest_terminal_summary(terminalreporter):
    """One line that cannot be missed when the browser tests were skipped, saying why and how to run them."""
    reasons = {}
    for report in terminalreporter.stats.get("skipped", []):
        if "browser" in report.keywords and isinstance(report.longrepr, tuple):
            reason = report.longrepr[2].removeprefix("Skipped: ")
            reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in reasons.items():
        tests = "browser test" if count == 1 else f"{count} browser tests"
        terminalreporter.write_sep("!", f"{tests} skipped. {reason}", yellow=True, bold=True)
