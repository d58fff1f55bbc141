"""Delete access-log entries older than ACCESS_LOG_RETENTION_DAYS (or --days); run daily."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.access_log import Action, record_access
from accounts.models import AccessEvent


class Command(BaseCommand):
    help = "Delete access-log entries older than the retention period."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep this many days (default: ACCESS_LOG_RETENTION_DAYS).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args, **options):
        days = options["days"] or settings.ACCESS_LOG_RETENTION_DAYS
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        cutoff = timezone.now() - timedelta(days=days)
        old = AccessEvent.objects.filter(at__lt=cutoff)
        if options["dry_run"]:
            self.stdout.write(f"{old.count()} entries older than {days} days; nothing deleted.")
            return
        deleted = AccessEvent.objects.prune(before=cutoff)
        record_access(
            action=Action.LOG_PRUNED,
            detail={"deleted": deleted, "days": days, "before": cutoff.isoformat()},
        )
        self.stdout.write(f"Deleted {deleted} entries older than {days} days.")
