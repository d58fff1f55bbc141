"""Profile the benchmark's pages in-process with the page cache off (issue 21, second pass).

    DJANGO_SETTINGS_MODULE=tools.settings DATABASE_URL=... python manage.py profile_pages
    ... profile_pages --only "incident page" --profile 25      # cProfile, 25 lines
    ... profile_pages --no-fragments                           # fragment caches off too

For each case of ``run_benchmark`` (the same URLs): the SQL queries and the median of
``--runs`` requests. ``--no-fragments`` also empties the cache before every request, so the
fragment caches (the filter form, claim rows) are cold too: what the first reader after a
restart gets.
"""

import cProfile
import io
import pstats
import statistics
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from tools.benchmark import pick_cases


class Command(BaseCommand):
    help = "Time (and optionally profile) each benchmark page in-process, page cache off."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--only", default="", help="Cases whose name contains this.")
        parser.add_argument("--profile", type=int, default=0, help="cProfile lines to print.")
        parser.add_argument("--sort", default="cumulative")
        parser.add_argument("--no-fragments", action="store_true")

    def handle(self, *args, runs, only, profile, sort, no_fragments, **options):
        client = Client(headers={"host": "127.0.0.1"})
        with override_settings(PUBLIC_PAGE_CACHE_SECONDS=0):
            for case in pick_cases():
                if only and only not in case.name:
                    continue
                times = []
                for run in range(runs + 1):
                    if no_fragments:
                        cache.clear()
                    with CaptureQueriesContext(connection) as queries:
                        started = time.perf_counter()
                        response = client.get(case.url, secure=True)
                        elapsed = (time.perf_counter() - started) * 1000
                    if run:  # the first request warms imports and connections
                        times.append(elapsed)
                self.stdout.write(
                    f"{case.name:<32} {response.status_code} {len(queries):3d} queries "
                    f"median {statistics.median(times):7.1f} ms  min {min(times):7.1f} ms  "
                    f"{len(response.content):8,d} bytes  {case.url}"
                )
                if profile:
                    if no_fragments:
                        cache.clear()
                    profiler = cProfile.Profile()
                    profiler.enable()
                    client.get(case.url, secure=True)
                    profiler.disable()
                    out = io.StringIO()
                    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(profile)
                    self.stdout.write(out.getvalue())
