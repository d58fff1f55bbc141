"""Ask the TSA for every missing timestamp: files, custody events and the latest tree head."""

from django.core.management.base import BaseCommand, CommandError

from ledger import timestamps as ledger_timestamps
from ledger.tsp import TimestampError
from sources import timestamps


class Command(BaseCommand):
    help = (
        "Request RFC 3161 timestamps for every kept file and custody event that has none (a "
        "request after commit failed, or TSA_URL was set later), and for the latest tree head."
    )

    def handle(self, *args, **options):
        if not ledger_timestamps.enabled():
            raise CommandError("TSA_URL is not set: no time-stamping authority to ask.")
        done, failures = timestamps.request_pending()
        try:
            ledger_timestamps.request_for_tree_head()
        except TimestampError as error:
            failures.append(f"tree head: {error}")
        for failure in failures:
            self.stderr.write(failure)
        if failures:
            raise CommandError(f"{len(failures)} timestamps could not be obtained ({done} were).")
        self.stdout.write(self.style.SUCCESS(f"{done} timestamps obtained."))
