"""Settings of the servers tests/test_replicas.py and tools/cluster.py's smoke test talk to over
plain HTTP on loopback: the shared-cache test settings, with session and CSRF cookies a plain
HTTP client sends back (production marks them Secure; behind the cluster's TLS proxy they are)."""

from tests.shared_cache_settings import *  # noqa: F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
