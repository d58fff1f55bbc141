from django.core.management.base import BaseCommand, CommandError

from ledger import timestamps
from ledger.tsp import TimestampError


class Command(BaseCommand):
    help = (
        "Timestamp the latest signed tree head of the transparency log at TSA_URL (run it "
        "periodically, e.g. hourly, until the job queue schedules it)."
    )

    def handle(self, *args, **options):
        if not timestamps.enabled():
            raise CommandError("TSA_URL is not set: no time-stamping authority to ask.")
        try:
            stamp = timestamps.request_for_tree_head()
        except TimestampError as error:
            raise CommandError(str(error)) from error
        if stamp is None:
            self.stdout.write("The log is empty: nothing to timestamp.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Timestamped {stamp}."))
