from django.core.management.base import BaseCommand

from jobs.services import requeue_stale


class Command(BaseCommand):
    help = "Send again the jobs still queued after a while (their message was lost)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=300, help="Seconds queued (default 300)."
        )

    def handle(self, *args, older_than, **options):
        ids = requeue_stale(older_than_seconds=older_than)
        self.stdout.write(f"Sent again: {len(ids)} job(s).")
