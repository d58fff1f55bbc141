"""Log what readers were told before the transparency log existed (run once, at the upgrade)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from cases import transparency
from cases.models import Correction, Incident
from ledger import log
from sources import transparency as source_transparency
from sources.models import FileCustodyEvent, SourceFile


class Command(BaseCommand):
    help = (
        "Append to the transparency log, in the order they happened, the public history items "
        "recorded before it existed: public incidents' status changes, publications, "
        "retractions and corrections; source and statement corrections; released files of "
        "public sources. Items already logged are left alone, so it is safe to run again."
    )

    def handle(self, *args, **options):
        items = []
        for incident in Incident.objects.public().order_by("pk"):
            for built in transparency.incident_entries(incident):
                items.append((built[2]["at"], built))
        others = Correction.objects.filter(incident__isnull=True).order_by("at", "pk")
        for correction in others:
            built = transparency.correction_entry(correction)
            items.append((built[2]["at"], built))
        for source_file in SourceFile.objects.public().order_by("pk"):
            released = (
                FileCustodyEvent.objects.filter(source_file=source_file, action="released")
                .order_by("-at")
                .first()
            )
            at = released.at if released else source_file.uploaded_at
            if at is None:
                continue
            built = source_transparency.file_release_entry(source_file, at=at)
            items.append((built[2]["at"], built))
        items.sort(key=lambda item: item[0])
        before = log.size()
        with transaction.atomic():
            for _, (subject, scope, payload) in items:
                log.append(subject=subject, scope=scope, payload=payload)
        self.stdout.write(
            self.style.SUCCESS(f"{log.size() - before} entries logged ({log.size()} in the log).")
        )
