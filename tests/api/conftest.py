import pytest
from django.core.cache import cache

from pollen.api.auth import create_token


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_token(personas):
    _, key = create_token(acting_user=None, user=personas["instructor"], name="test")
    return key
