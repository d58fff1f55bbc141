"""Settings for the test suite: production settings with a throwaway key and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ["DEBUG"] = "0"  # an exported DEBUG=1 must not change what the tests test
# Tests never load map tiles from the internet: a blank tile (issue 14).
os.environ["MAP_TILE_URL"] = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)

from config.settings import *  # noqa: E402,F403
from config.settings import STORAGES  # noqa: E402

# Hashing passwords at full strength makes every login in a test take ~0.3 s.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The manifest is built by collectstatic, which tests don't run.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Serve static files from the app folders as in development (no collectstatic in tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# The API's anonymous throttle is tested on its own (test_api); elsewhere it must never bite.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/min"},
}
# schemathesis and the browser tests talk to the app as "localhost".
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# The test client speaks plain HTTP; production's HTTPS redirect is checked in test_hardening
# by running `check --deploy` with production settings in a subprocess.
SECURE_SSL_REDIRECT = False

# Each test starts from an empty database whose commits never happen (rolled back), so cached
# pages would leak between tests; the cache has its own tests, which turn it on.
PUBLIC_PAGE_CACHE_SECONDS = 0
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background jobs (issue 16): messages go to memory unless a test starts a real worker on
# Redis (tests/test_jobs.py, JOBS_TEST_REDIS_URL); each xdist worker has its own queue name so
# two test processes never take each other's jobs.
CELERY_BROKER_URL = os.environ.get("JOBS_TEST_REDIS_URL") or "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_DEFAULT_QUEUE = f"jobs-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
JOBS_RETRY_BACKOFF_SECONDS = 1
# Captures are queued when a test asks for them (tests/test_archiving.py turns this on).
ARCHIVE_ON_SAVE = False
# The import tests written before issue 16 confirm in the request; tests/test_import_jobs.py
# turns the background confirm on.
IMPORT_AS_JOB = False

# Timestamps inline after the commit (tests/test_timestamps.py turns the job on where it tests it).
LEDGER_TIMESTAMPS_IN_JOBS = False
# The same for the fragments kept apart from pages (the list's counts and filter form, the API's
# incident representations): their own tests turn them on (tests/test_facets.py).
FRAGMENT_CACHE_SECONDS = 0
