import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases.models import Incident
from sources.models import Source
from tools.data import generate


class Command(BaseCommand):
    help = (
        "Fill the database with synthetic incidents for the benchmark (bulk inserts; no history "
        "rows). Refuses a non-empty database when DEBUG is off, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--incidents", type=int, required=True, help="How many incidents.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument(
            "--heavy",
            type=int,
            default=3,
            help="How many incidents get --heavy-size claims and sources (default 3).",
        )
        parser.add_argument("--heavy-size", type=int, default=500)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add to a database that already holds records even with DEBUG off.",
        )

    def handle(self, *args, incidents, seed, heavy, heavy_size, force, **options):
        if incidents < 1:
            raise CommandError("--incidents must be at least 1.")
        # A production database (DEBUG off) with real records must never get fake ones mixed in
        # by a mistyped command; an empty one (a fresh bench database) is fine.
        not_empty = Incident.objects.exists() or Source.objects.exists()
        if not settings.DEBUG and not_empty and not force:
            raise CommandError(
                "This database already holds incidents or sources and DEBUG is off: refusing to "
                "mix synthetic records into it. Use an empty database, or --force if you are sure."
            )
        started = time.perf_counter()
        counts = generate(
            incidents=incidents,
            seed=seed,
            heavy=heavy,
            heavy_size=heavy_size,
            log=self.stdout.write,
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {counts.incidents:,} incidents, {counts.claims:,} claims "
                f"({counts.status_changes:,} status changes, {counts.evidence:,} evidence), "
                f"{counts.sources:,} sources ({counts.source_links:,} links), "
                f"{counts.victims:,} victims, {counts.statements:,} statements "
                f"({counts.figures:,} figures), {counts.publication_events:,} publication events "
                f"in {elapsed:.1f} s."
            )
        )
        for stage, seconds in counts.seconds.items():
            self.stdout.write(f"  {stage:<30} {seconds:7.1f} s")
