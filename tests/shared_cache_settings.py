"""Settings of the servers started by tests/test_shared_cache.py: the test settings (plain
static files, fast hashing) with the production cache configuration (REDIS_URL) and the page
cache on."""

from config import settings as production
from tests.settings import *  # noqa: F403

# Redis (REDIS_URL), not the tests' per-process memory.
CACHES = production.CACHES
PUBLIC_PAGE_CACHE_SECONDS = 300
