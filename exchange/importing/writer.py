"""The import service: plan what the valid rows change, then write it in bulk, in one transaction.

Every read the plan needs is a handful of bulk queries (existing incidents by external id,
every source's URL, the existing incident–source links and claims of the matched incidents);
the writes are ``bulk_create`` / ``bulk_update`` with their history rows. No per-row queries.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cases import policy
from cases.models import Claim, Incident
from cases.services.workflow import bump_version
from exchange.importing.mapping import Mapping
from exchange.importing.reader import FileError, RowError, decode, normalise_text, read_rows
from exchange.importing.validation import ParsedRow, validate_rows
from public.cache import invalidate_everything
from sources.models import Source
from sources.normalise import normalise_url

BATCH = 500

# progress(done, total, stage): how far an import got (issue 16).
Progress = Callable[[int, int, str], None]


def _no_progress(done: int, total: int, stage: str) -> None:
    pass


CHUNK = 900  # ids per IN (…) list: under SQLite's historical limit of 999 parameters

# Hosts whose links are social-media posts; every other link becomes "other" for a person to
# classify (we cannot tell a news article from a blog by its address).
SOCIAL_HOSTS = {
    "twitter.com",
    "x.com",
    "t.me",
    "telegram.me",
    "facebook.com",
    "fb.watch",
    "instagram.com",
    "tiktok.com",
    "youtube.com",
    "youtu.be",
    "vk.com",
    "reddit.com",
    "ok.ru",
}


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    LOCKED = "locked"  # not a draft: the file's changes are not applied


@dataclass(frozen=True)
class RowOutcome:
    number: int
    external_id: str
    title: str
    action: str
    changed: tuple[str, ...] = ()


@dataclass
class ImportResult:
    """What an import found and (unless ``written`` is False) did."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    sources_created: int = 0
    links_created: int = 0
    claims_created: int = 0
    written: bool = False
    sha256: str = ""

    @property
    def counts(self) -> Counter:
        return Counter(outcome.action for outcome in self.outcomes)

    def summary(self) -> str:
        counts = self.counts
        return (
            f"{self.rows} rows: {counts[Action.CREATE]} to create, {counts[Action.UPDATE]} to "
            f"update, {counts[Action.UNCHANGED]} unchanged, {counts[Action.LOCKED]} not drafts "
            f"(left alone), {len({e.row for e in self.errors})} invalid; "
            f"{self.sources_created} new sources, {self.links_created} new source links, "
            f"{self.claims_created} new claims."
        )


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _source_kind(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.").removeprefix("m.")
    return Source.Kind.SOCIAL_MEDIA if host in SOCIAL_HOSTS else Source.Kind.OTHER


def _publisher(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")[:200]


def _unique_slugs(rows: list[ParsedRow]) -> dict[str, str]:
    """A new slug per external id: title + id, suffixed if the database already has it."""
    wanted = {}
    for row in rows:
        tail = slugify(row.external_id) or "imported"
        head = slugify(row.fields["title"])[: 139 - len(tail)].strip("-")
        wanted[row.external_id] = f"{head}-{tail}"[:140].strip("-") if head else tail[:140]
    taken: set[str] = set()
    for chunk in _chunks(list(wanted.values())):
        taken.update(Incident.objects.filter(slug__in=chunk).values_list("slug", flat=True))
    slugs = {}
    for external_id, slug in wanted.items():
        candidate, n = slug, 2
        while candidate in taken:
            candidate = f"{slug[: 140 - len(str(n)) - 1]}-{n}"
            n += 1
        taken.add(candidate)
        slugs[external_id] = candidate
    return slugs


@dataclass
class _Plan:
    creates: list[Incident] = field(default_factory=list)
    updates: list[Incident] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    outcomes: list[RowOutcome] = field(default_factory=list)
    new_sources: dict[str, Source] = field(default_factory=dict)  # normalised URL -> source
    graphic_sources: list[Source] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (external id, normalised URL)
    claims: list[tuple[str, str, str]] = field(default_factory=list)  # (external id, text, who)
    existing_source_ids: dict[str, int] = field(default_factory=dict)
    incident_pks: dict[str, int] = field(default_factory=dict)  # matched: external id -> pk
    archive_fills: list[Source] = field(default_factory=list)  # existing: archive_url to set


def _same(stored, value) -> bool:
    """Stored and imported values are equal; text compares in its normalised form (line ends,
    Unicode composition), so text typed in the admin with CRLF is not an edit."""
    if isinstance(stored, str) and isinstance(value, str):
        return normalise_text(stored) == normalise_text(value)
    return stored == value


def _plan(rows: list[ParsedRow], *, by, lock: bool) -> _Plan:
    plan = _Plan()
    ids = [row.external_id for row in rows]
    existing: dict[str, Incident] = {}
    queryset = Incident.objects.select_for_update() if lock else Incident.objects.all()
    for chunk in _chunks(ids):
        existing.update((i.external_id, i) for i in queryset.filter(external_id__in=chunk))
    matched_pks = [incident.pk for incident in existing.values()]
    plan.incident_pks = {eid: incident.pk for eid, incident in existing.items()}

    # Sources: matched on the stored normalised URL (sources.normalise, kept by the admin),
    # reading only the addresses this file mentions.
    wanted = sorted({normalise_url(url) for row in rows for url in row.urls} - {""})
    by_url: dict[str, tuple[int, bool]] = {}
    unarchived: set[int] = set()  # existing sources without an archived copy
    for chunk in _chunks(wanted):
        for pk, key, graphic, archive_url in (
            Source.objects.filter(normalised_url__in=chunk)
            .order_by("pk")
            .values_list("pk", "normalised_url", "is_graphic", "archive_url")
        ):
            by_url.setdefault(key, (pk, graphic))
            if not archive_url:
                unarchived.add(pk)
    through = Source.incidents.through
    linked: set[tuple[int, int]] = set()
    claimed: set[tuple[int, str]] = set()
    for chunk in _chunks(matched_pks):
        linked.update(
            through.objects.filter(incident_id__in=chunk).values_list("incident_id", "source_id")
        )
        claimed.update(
            (incident_id, normalise_text(text))
            for incident_id, text in Claim.objects.filter(incident_id__in=chunk).values_list(
                "incident_id", "text"
            )
        )

    slugs = _unique_slugs([row for row in rows if row.external_id not in existing])
    graphic_pks: set[int] = set()
    archive_fills: dict[int, str] = {}  # existing source pk -> archived copy from the file
    for row in rows:
        incident = existing.get(row.external_id)
        fields = dict(row.fields)
        if (
            incident is not None
            and fields.get("oblast_derived")
            and incident.oblast
            and not incident.oblast_derived
        ):
            # A researcher chose this oblast: a derived one does not override it.
            fields.pop("oblast")
            fields.pop("oblast_derived")
        new_links: list[str] = []
        row_graphic: set[int] = set()
        row_archives: dict[int, str] = {}
        row_sources: dict[str, str] = {}  # normalised URL -> URL, not in the database yet
        seen: set[str] = set()
        for url in row.urls:
            key = normalise_url(url)
            if key in seen:
                continue
            seen.add(key)
            if key in by_url:
                pk, graphic = by_url[key]
                if row.graphic and not graphic:
                    row_graphic.add(pk)
                if url in row.archives and pk in unarchived:
                    row_archives.setdefault(pk, row.archives[url])
                if incident is None or (incident.pk, pk) not in linked:
                    new_links.append(key)
            else:
                row_sources.setdefault(key, url)
                new_links.append(key)
        new_claim = bool(row.claim) and (
            incident is None or (incident.pk, normalise_text(row.claim)) not in claimed
        )
        if incident is None:
            incident = Incident(
                external_id=row.external_id,
                slug=slugs[row.external_id],
                created_by=by,
                updated_by=by,
                **fields,
            )
            plan.creates.append(incident)
            action, changed = Action.CREATE, ()
        else:
            changed = tuple(
                name for name, value in fields.items() if not _same(getattr(incident, name), value)
            )
            if not (changed or new_links or new_claim or row_archives):
                action = Action.UNCHANGED
            elif not policy.importer_may_change(incident=incident):
                # Nothing of a locked row is written: no link, claim, source or mark.
                action = Action.LOCKED
                new_links, new_claim = [], False
            else:
                action = Action.UPDATE
                if changed:
                    for name in changed:
                        setattr(incident, name, fields[name])
                    incident.updated_by = by
                    bump_version(incident)
                    plan.updates.append(incident)
                    plan.update_fields.update(changed)
        if action in (Action.CREATE, Action.UPDATE):
            graphic_pks.update(row_graphic)
            for pk, archive_url in row_archives.items():
                archive_fills.setdefault(pk, archive_url)
            for key, url in row_sources.items():
                source = plan.new_sources.get(key)
                if source is None:
                    source = plan.new_sources[key] = Source(
                        kind=_source_kind(url),
                        title=url[:400],
                        publisher=_publisher(url),
                        url=url,
                        normalised_url=key,
                        archive_url=row.archives.get(url, ""),
                        created_by=by,
                    )
                source.is_graphic = source.is_graphic or row.graphic
                source.archive_url = source.archive_url or row.archives.get(url, "")
        plan.outcomes.append(
            RowOutcome(row.number, row.external_id, row.fields["title"], action, changed)
        )
        plan.links.extend((row.external_id, key) for key in new_links)
        if new_claim:
            plan.claims.append((row.external_id, row.claim, row.claimant))
    plan.existing_source_ids = {key: pk for key, (pk, _graphic) in by_url.items()}
    if archive_fills:
        # As with the graphic mark: a public source is corrected by an editor, in the open.
        sources = Source.objects.filter(pk__in=archive_fills).exclude(
            pk__in=Source.objects.public().values("pk")
        )
        for source in sources:
            source.archive_url = archive_fills[source.pk]
            plan.archive_fills.append(source)
    if graphic_pks:
        # A source public records cite is corrected by an editor, in the open (cases.policy):
        # the importer marks only sources readers cannot see yet.
        plan.graphic_sources = list(
            Source.objects.filter(pk__in=graphic_pks).exclude(
                pk__in=Source.objects.public().values("pk")
            )
        )
    return plan


# Foreign keys set by the importer itself (the acting user); checking them would cost a query
# per row in full_clean, for a user that exists.
_OWN_KEYS = ["created_by", "updated_by"]


def _write(plan: _Plan, *, by, reason: str, progress: Progress) -> None:
    history = {"batch_size": BATCH, "default_user": by, "default_change_reason": reason}
    total = (
        len(plan.creates)
        + len(plan.updates)
        + len(plan.new_sources)
        + len(plan.links)
        + len(plan.claims)
    )
    done = 0
    stage = "Writing records"
    progress(done, total, stage)
    for incident in plan.creates:
        incident.full_clean(exclude=_OWN_KEYS, validate_unique=False, validate_constraints=False)
    created = []
    for batch in _chunks(plan.creates, BATCH):
        created += bulk_create_with_history(batch, Incident, **history)
        done += len(batch)
        progress(done, total, stage)
    if plan.updates:
        for incident in plan.updates:
            incident.full_clean(
                exclude=_OWN_KEYS, validate_unique=False, validate_constraints=False
            )
        bulk_update_with_history(
            plan.updates, Incident, [*plan.update_fields, "updated_by", "version"], **history
        )
        done += len(plan.updates)
        progress(done, total, stage)
    incident_pks = {**plan.incident_pks, **{i.external_id: i.pk for i in created}}

    new_sources = list(plan.new_sources.values())
    for source in new_sources:
        source.full_clean(exclude=_OWN_KEYS, validate_unique=False, validate_constraints=False)
    bulk_create_with_history(new_sources, Source, **history)
    done += len(new_sources)
    progress(done, total, stage)
    source_pks = dict(plan.existing_source_ids)
    source_pks.update((key, source.pk) for key, source in plan.new_sources.items())
    for source in plan.graphic_sources:
        source.is_graphic = True
    if plan.graphic_sources:
        bulk_update_with_history(plan.graphic_sources, Source, ["is_graphic"], **history)
    if plan.archive_fills:
        bulk_update_with_history(plan.archive_fills, Source, ["archive_url"], **history)

    through = Source.incidents.through
    through.objects.bulk_create(
        [
            through(incident_id=incident_pks[eid], source_id=source_pks[key])
            for eid, key in plan.links
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    done += len(plan.links)
    progress(done, total, stage)
    claims = [
        Claim(incident_id=incident_pks[eid], text=text, claimant=claimant)
        for eid, text, claimant in plan.claims
    ]
    for claim in claims:
        claim.full_clean(exclude=["incident"], validate_unique=False, validate_constraints=False)
    bulk_create_with_history(claims, Claim, **history)
    progress(total, total, stage)
    # Bulk writes bypass the per-save hooks: keep the page cache in step by hand. (Search needs
    # nothing: the database's triggers keep it true, see cases.search.)
    transaction.on_commit(invalidate_everything)


def import_incidents(
    *,
    data: bytes,
    mapping: Mapping | None = None,
    by=None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    filename: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Import incidents from CSV ``data`` (bytes of a UTF-8 file), in one transaction.

    Every row is validated first. With any error nothing is written, unless ``skip_invalid``
    (then the valid rows are written and the invalid ones reported); ``dry_run`` never writes.
    Rows match existing incidents on ``external_id``: new ones are created as drafts, drafts are
    updated where the file differs, anything already submitted, published or retracted is left
    alone and reported as ``locked``. Sources are matched by normalised URL and created when
    new; links and the row's claim (as one unverified claim) are added, never removed.

    ``by`` is the acting user (None for a command run without ``--user``); it needs
    ``cases.add_incident`` and ``cases.change_incident``. Raises FileError when the file cannot
    be read at all, PermissionDenied when ``by`` may not import.

    ``progress(done, total, stage)`` is called as the work goes on: rows checked of the rows
    read, then records written of the records to write (the admin's job page shows it; the
    command a terminal bar).
    """
    progress = progress or _no_progress
    if by is not None and not (
        by.has_perm("cases.add_incident") and by.has_perm("cases.change_incident")
    ):
        raise PermissionDenied(_("You do not have permission to import incidents."))
    mapping = mapping or Mapping.native()
    result = ImportResult(sha256=hashlib.sha256(data).hexdigest())
    rows = read_rows(decode(data), mapping)
    result.rows = len(rows)
    progress(0, len(rows), "Checking rows")
    parsed, result.errors, result.warnings = validate_rows(rows, mapping)
    progress(len(rows), len(rows), "Checking rows")
    will_write = not dry_run and (skip_invalid or not result.errors)
    # The history's reason holds 100 characters: the hash first, the names cut to fit.
    reason = (
        f"Imported (sha256 {result.sha256[:12]}) from {filename or 'a CSV file'} ({mapping.name})"
    )
    reason = reason if len(reason) <= 100 else reason[:99] + "…"
    with transaction.atomic():
        plan = _plan(parsed, by=by, lock=will_write)
        for outcome in plan.outcomes:
            if outcome.action == Action.LOCKED:
                result.warnings.append(
                    RowError(
                        outcome.number,
                        rows[0].origins.get("external_id", "external_id") if rows else "",
                        f"{outcome.external_id} is not a draft; the file's changes were not "
                        "applied",
                    )
                )
        result.outcomes = plan.outcomes
        result.sources_created = len(plan.new_sources)
        result.links_created = len(plan.links)
        result.claims_created = len(plan.claims)
        if will_write:
            _write(plan, by=by, reason=reason, progress=progress)
            result.written = True
    result.warnings.sort(key=lambda e: e.row)
    return result


__all__ = ["Action", "FileError", "ImportResult", "RowOutcome", "import_incidents"]
