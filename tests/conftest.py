import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """No test sees what another one cached."""
    cache.clear()
    yield
    cache.clear()
