"""The default cache when no Redis is configured: Django's file cache, culled less often.

Django's ``FileBasedCache`` lists its whole folder on every ``set()`` to decide whether to cull
(about 1 ms with 16 entries, 170 ms with 20,000: measured in issue 21), and the page cache and
the API throttle write on most anonymous requests. Here the folder is checked on one write in
``CULL_EVERY`` (at random, so every worker process takes its share); the entry limit may then be
passed by a few hundred entries between checks. A folder is shared by all the worker processes
of one machine, which per-process memory is not: a write seen by one worker invalidates the
pages of all. Several machines need Redis (``REDIS_URL``).
"""

import random

from django.core.cache.backends.filebased import FileBasedCache

CULL_EVERY = 200


class FileCache(FileBasedCache):
    def _cull(self):
        if random.randrange(CULL_EVERY) == 0:  # noqa: S311 - not for security
            super()._cull()
