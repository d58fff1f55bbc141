"""Re-hash every kept evidence file and record the result in its custody log."""

from django.core.management.base import BaseCommand, CommandError

from sources import services
from sources.models import FileCustodyEvent, SourceFile


class Command(BaseCommand):
    help = (
        "Re-hash every stored evidence file, report any whose SHA-256 changed or that is "
        "missing, and write each result to the file's custody log. Exits non-zero on a problem."
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
        if problems:
            raise CommandError(f"{len(problems)} of {checked} files failed the check.")
        self.stdout.write(self.style.SUCCESS(f"All {checked} files match their SHA-256."))
