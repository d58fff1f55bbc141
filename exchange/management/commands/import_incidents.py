"""python manage.py import_incidents FILE [--mapping MAPPING] [--dry-run] [--skip-invalid]"""

import argparse
import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.access_log import Action, record_access
from exchange.importing.mapping import MappingError, load_mapping, shipped_mappings
from exchange.importing.reader import FileError
from exchange.importing.writer import import_incidents


class ProgressBar:
    """A tqdm bar per stage (rows checked, then records written) on the error stream."""

    def __init__(self, *, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.stage = ""

    def update(self, done: int, total: int, stage: str) -> None:
        if not self.enabled:
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(total=total, desc=stage, unit="", file=sys.stderr, leave=True)
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = (
        "Import incidents from a CSV file (native format, or another tracker's with --mapping). "
        "Any invalid row makes the whole run write nothing, unless --skip-invalid. "
        "See docs/import.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (UTF-8).")
        parser.add_argument(
            "--mapping",
            help="A mapping file (JSON), or the name of a shipped one in docs/mappings "
            "(e.g. cir_monitor).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate and report only.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows and report the invalid ones (default: all or nothing).",
        )
        parser.add_argument("--user", help="Username recorded as the importer in the history.")
        parser.add_argument(
            "--max-errors", type=int, default=200, help="How many errors to print (default 200)."
        )
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Show a progress bar (default: when the error stream is a terminal).",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        mapping = None
        if options["mapping"]:
            mapping_path = Path(options["mapping"])
            if not mapping_path.is_file():
                mapping_path = shipped_mappings().get(options["mapping"], mapping_path)
            if not mapping_path.is_file():
                raise CommandError(f"No such mapping file: {options['mapping']}")
            try:
                mapping = load_mapping(mapping_path.read_bytes())
            except MappingError as error:
                raise CommandError(f"{mapping_path}: {error}") from None
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user named {options['user']!r}.") from None
        started = time.perf_counter()
        show = options["progress"]
        if show is None:
            show = sys.stderr.isatty()
        bar = ProgressBar(enabled=show)
        try:
            result = import_incidents(
                data=path.read_bytes(),
                mapping=mapping,
                by=user,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
                filename=path.name,
                progress=bar.update,
            )
        except (FileError, PermissionDenied) as error:
            raise CommandError(str(error)) from None
        finally:
            bar.close()
        elapsed = time.perf_counter() - started
        limit = options["max_errors"]
        for error in result.errors[:limit]:
            self.stderr.write(f"error: {error}")
        if len(result.errors) > limit:
            self.stderr.write(f"… and {len(result.errors) - limit} more errors.")
        for warning in result.warnings[:limit]:
            self.stderr.write(f"warning: {warning}")
        if len(result.warnings) > limit:
            self.stderr.write(f"… and {len(result.warnings) - limit} more warnings.")
        self.stdout.write(result.summary())
        if result.written:
            record_access(
                action=Action.IMPORT,
                user=user,
                detail={
                    "file": path.name,
                    "command": "import_incidents",
                    "summary": result.summary(),
                },
            )
            self.stdout.write(self.style.SUCCESS(f"Imported in {elapsed:.1f} s."))
        elif options["dry_run"]:
            self.stdout.write(f"Dry run: nothing was written ({elapsed:.1f} s).")
        else:
            self.stdout.write(
                self.style.ERROR(
                    "Nothing was written: fix the errors above, or pass --skip-invalid to import "
                    "the valid rows."
                )
            )
        if result.errors:
            raise SystemExit(1)
