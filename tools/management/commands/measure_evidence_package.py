"""issue 17: time and memory of one incident's evidence package with many large files.

Stores ``--files`` files of ``--size`` bytes through the services on one published incident,
then builds and streams the editor's full package (exports recorded) to nowhere, reporting the
time, the bytes, the largest chunk, the peak of Python allocations while packaging
(tracemalloc) and the process's peak RSS. Use an empty throwaway database and MEDIA_ROOT.
"""

import datetime
import os
import resource
import time
import tracemalloc

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.test import override_settings

from accounts.roles import EDITORS, sync_roles
from cases import services
from cases.models import Category
from exchange import evidence
from sources import services as source_services


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--files", type=int, default=500)
        parser.add_argument("--size", type=int, default=1024 * 1024)

    def handle(self, *args, files, size, **options):
        from django.contrib.auth.models import Group

        sync_roles()
        editor, _ = get_user_model().objects.get_or_create(
            username="measure-editor", defaults={"is_staff": True}
        )
        editor.groups.add(Group.objects.get(name=EDITORS))
        editor = get_user_model().objects.get(pk=editor.pk)
        incident = services.incident_create(
            by=editor,
            data={
                "slug": f"measure-{int(time.time())}",
                "title": "Measured incident",
                "occurred_from": datetime.date(2024, 11, 1),
                "category": Category.choices[0][0],
            },
        )
        source = source_services.source_create(
            by=editor, data={"kind": "video", "title": "Measured source"}
        )
        services.incident_link_source(incident=incident, source=source, by=editor)
        services.incident_transition(incident=incident, action="publish", by=editor, notify=False)
        started = time.perf_counter()
        block = os.urandom(size - 16)
        with override_settings(EVIDENCE_MAX_UPLOAD_BYTES=max(size, 1024) * 2):
            for i in range(files):
                content = b"\x89PNG\r\n\x1a\n" + i.to_bytes(8, "big") + block
                source_services.source_file_add(
                    source=source,
                    uploaded=ContentFile(content, name=f"f{i}.png"),
                    by=editor,
                    is_restricted=bool(i % 2),
                )
        stored = time.perf_counter() - started
        self.stdout.write(f"stored {files} files of {size} bytes in {stored:.1f} s")
        rss_before = rss_mib()
        tracemalloc.start()
        started = time.perf_counter()
        incident = evidence.incident_for_package(incident.slug)
        chosen = evidence.package_files(incident, evidence.FULL)
        evidence.record_exports(files=chosen, incident=incident, by=editor)
        package = evidence.build(incident=incident, variant=evidence.FULL, files=chosen)
        total = largest = chunks = 0
        for chunk in evidence.stream(package, incident=incident):
            total += len(chunk)
            largest = max(largest, len(chunk))
            chunks += 1
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        mib = 1024 * 1024
        self.stdout.write(
            f"package: {total / mib:.1f} MiB in {elapsed:.1f} s "
            f"({total / mib / elapsed:.0f} MiB/s, tracemalloc on), {chunks} chunks, "
            f"largest {largest / mib:.2f} MiB, "
            f"peak Python allocations while packaging {peak / mib:.1f} MiB, "
            f"peak RSS {rss_before:.0f} -> {rss_mib():.0f} MiB"
        )
