"""Re-hash every kept evidence file, record the result in its custody log, and check the
RFC 3161 timestamps of files and custody events (issue 17)."""

from django.core.management.base import BaseCommand, CommandError

from ledger import timestamps as ledger_timestamps
from ledger.models import Timestamp
from ledger.tsp import TimestampError
from sources import services, timestamps
from sources.models import FileCustodyEvent, SourceFile


class Command(BaseCommand):
    help = (
        "Re-hash every stored evidence file, report any whose SHA-256 changed or that is "
        "missing, and write each result to the file's custody log. Verify every stored "
        "timestamp token of files and custody events (a custody row rewritten after it was "
        "stamped fails). Exits non-zero on a problem."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--require-timestamps",
            action="store_true",
            help="Also fail when a file or custody event has no timestamp.",
        )

    def handle(self, *args, **options):
        checked = 0
        problems = []
        for source_file in SourceFile.objects.order_by("pk").iterator():
            event = services.source_file_verify(source_file=source_file)
            checked += 1
            if event.action in FileCustodyEvent.PROBLEMS:
                problems.append(event)
                self.stderr.write(
                    f"{event.get_action_display().upper()}: file {source_file.pk} "
                    f"“{source_file.original_name}” (source {source_file.source_id}): "
                    f"{event.detail}"
                )
        token_problems, tokens = self._check_timestamps(options["require_timestamps"])
        if problems or token_problems:
            raise CommandError(
                f"{len(problems)} of {checked} files failed the check; "
                f"{token_problems} timestamp problems."
            )
        self.stdout.write(self.style.SUCCESS(f"All {checked} files match their SHA-256."))
        self.stdout.write(self.style.SUCCESS(f"{tokens} timestamp tokens verified."))

    def _check_timestamps(self, required: bool) -> tuple[int, int]:
        stamps = {t.subject: t for t in Timestamp.objects.all()}
        problems = verified = 0
        expected = [
            (timestamps.file_subject(f.pk), f.sha256, f"file {f.pk}")
            for f in SourceFile.objects.order_by("pk")
        ]
        events = FileCustodyEvent.objects.select_related("source_file").order_by("pk")
        expected += [
            (
                timestamps.custody_subject(e.pk),
                timestamps.custody_digest(e),
                f"custody event {e.pk}",
            )
            for e in events
        ]
        for subject, digest, label in expected:
            stored = stamps.get(subject)
            if stored is None:
                if required:
                    problems += 1
                    self.stderr.write(f"NO TIMESTAMP: {label}")
                continue
            try:
                ledger_timestamps.check(stored, sha256_hex=digest)
                verified += 1
            except TimestampError as error:
                problems += 1
                self.stderr.write(f"BAD TIMESTAMP: {label}: {error}")
        return problems, verified
