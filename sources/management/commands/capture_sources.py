from django.core.management.base import BaseCommand
from django.db.models import Exists, OuterRef, Subquery

from sources.captures import capture_bulk
from sources.models import Source, SourceCapture


class Command(BaseCommand):
    help = (
        "Queue captures of sources' URLs: by default those never captured; --failed those whose "
        "latest capture failed; --all every source with a URL. A worker does the fetching."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--failed", action="store_true", help="Latest capture failed.")
        which.add_argument("--all", action="store_true", help="Every source with a URL.")

    def handle(self, *args, failed, all, **options):
        sources = Source.objects.exclude(url="").order_by("pk")
        if failed:
            latest = SourceCapture.objects.filter(source=OuterRef("pk")).order_by(
                "-requested_at", "-pk"
            )
            sources = sources.annotate(last=Subquery(latest.values("state")[:1])).filter(
                last=SourceCapture.State.FAILED
            )
        elif not all:
            sources = sources.exclude(Exists(SourceCapture.objects.filter(source=OuterRef("pk"))))
        captures = capture_bulk(sources=sources.iterator(), by=None)
        self.stdout.write(f"Queued {len(captures)} capture(s).")
