from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cases.models import Incident
from tools import benchmark
from tools.management.commands import generate_bench_data


class Command(BaseCommand):
    help = (
        "Benchmark the production stack over HTTP and write docs/benchmarks.md (see `make "
        "bench`). Point DATABASE_URL at a database kept for the benchmark."
    )

    def add_arguments(self, parser):
        parser.add_argument("--incidents", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--reset-data",
            action="store_true",
            help="When the database does not hold exactly --incidents incidents, empty its "
            "incidents, sources and statements and generate them. Only for a bench database.",
        )
        parser.add_argument("--concurrency", type=int, default=8)
        parser.add_argument("--requests", type=int, default=400, help="Per case.")
        parser.add_argument("--seconds", type=float, default=15, help="At most, per case.")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--output", default="docs/benchmarks.md")
        parser.add_argument(
            "--cold-requests", type=int, default=20, help="Per case, one client, cache off."
        )
        parser.add_argument("--mixed-seconds", type=float, default=60)
        parser.add_argument("--mixed-users", type=int, default=16)
        parser.add_argument(
            "--prewarm", type=int, default=200, help="Most read addresses cached before the run."
        )

    def handle(self, *args, **options):
        if settings.DEBUG:
            raise CommandError("Run the benchmark with DEBUG off: it measures production.")
        if connection.vendor != "postgresql":
            self.stderr.write(
                "Warning: the targets are for PostgreSQL; this is " + connection.vendor
            )
        call_command("migrate", interactive=False, verbosity=0)
        self.prepare_data(options)
        # The manifest storage needs collected files; WhiteNoise serves them from STATIC_ROOT.
        call_command("collectstatic", interactive=False, verbosity=0)
        bench_options = benchmark.Options(
            concurrency=options["concurrency"],
            requests=options["requests"],
            seconds=options["seconds"],
            workers=options["workers"],
            cold_requests=options["cold_requests"],
            mixed_seconds=options["mixed_seconds"],
            mixed_users=options["mixed_users"],
            prewarm=options["prewarm"],
        )
        results, exports, info, outcome = benchmark.run(bench_options, log=self.stdout.write)
        output = Path(settings.BASE_DIR) / options["output"]
        report = benchmark.render(results, exports, info, bench_options, outcome)
        benchmark.write_report(output, report)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))

    def prepare_data(self, options) -> None:
        wanted, have = options["incidents"], Incident.objects.count()
        if have == wanted:
            self.stdout.write(f"Reusing the {have:,} incidents already in the database.")
            return
        if have and not options["reset_data"]:
            raise CommandError(
                f"The database holds {have:,} incidents, not {wanted:,}. Pass --reset-data to "
                "replace them (only ever on a database kept for the benchmark)."
            )
        if have:
            name = str(connection.settings_dict["NAME"])
            if "bench" not in name.rsplit("/", 1)[-1]:
                # `make bench` always passes --reset-data: never empty a database by accident.
                raise CommandError(
                    f"Refusing to empty {name!r}: the benchmark only replaces the data of a "
                    "database whose name contains 'bench'."
                )
            self.stdout.write(f"Emptying the {have:,} incidents, sources and statements.")
            self.empty_domain_tables()
        call_command(
            generate_bench_data.Command(),
            incidents=wanted,
            seed=options["seed"],
            stdout=self.stdout,
        )

    def empty_domain_tables(self) -> None:
        from sources.models import OfficialStatement, Source

        tables = [model._meta.db_table for model in (Incident, Source, OfficialStatement)]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # CASCADE reaches every table that points at these: claims, evidence, victims,
                # links, figures, files and the audit logs of the bench rows.
                cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            else:
                raise CommandError("--reset-data empties tables on PostgreSQL only.")
