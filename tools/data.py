"""The one synthetic-data generator, for the benchmark and the load test (``generate_bench_data``).

Realistic in shape, not in content: per incident on average 5 claims across all statuses (each
assessed one with its rationale, methods and a ``ClaimStatusChange``), 3 sources drawn from a
shared pool of about N/2, 2 victims and 1 official statement (some with reported figures);
a few "heavy" incidents with 500 claims and 500 sources each; dates over 2022–2025, every oblast
and category; most incidents published, some draft, in review or retracted.

Rows are written in chunks of incidents: on PostgreSQL with ``COPY ... FROM STDIN`` (ids taken
from the tables' sequences first, so that dependants can point at them), elsewhere with
``bulk_create``. On PostgreSQL the load runs with ``session_replication_role = replica``: the
search triggers (which would recompute each incident's search vector once per table written)
and the deferred foreign-key checks (millions of queued checks at commit) are off, the search
vectors are computed once at the end, and a count of orphan rows afterwards stands in for the
foreign-key checks (issue 21: 100,000 incidents in minutes, not the better part of an hour).
Check and unique constraints still hold. Consequences, all fine for bench data: ``save()`` is
not called, so django-simple-history writes no history rows; and the services are bypassed,
so every database constraint is satisfied here by construction (the tests check it).
The same seed gives the same data.
"""

import datetime as dt
import io
import json
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, models, transaction

from cases.models import (
    AllegedVictim,
    Category,
    Claim,
    ClaimEvidence,
    ClaimStatusChange,
    Incident,
    Oblast,
    PublicationEvent,
    VerificationMethod,
    VerificationStatus,
)
from cases.search import refresh_search_vectors
from public import tallies
from public.cache import invalidate_everything
from sources.models import OfficialStatement, ReportedFigure, Source
from sources.normalise import normalise_url

BATCH_SIZE = 2_000
# Incidents generated (and their dependants) per round trip; bounds memory at 100,000.
CHUNK_INCIDENTS = 2_000
START = dt.date(2022, 1, 1)
DAYS = (dt.date(2025, 12, 31) - START).days

INCIDENT_STATUS_WEIGHTS = {
    Incident.Status.PUBLISHED: 85,
    Incident.Status.RETRACTED: 3,
    Incident.Status.IN_REVIEW: 5,
    Incident.Status.DRAFT: 7,
}
CLAIM_STATUS_WEIGHTS = {
    VerificationStatus.UNVERIFIED: 40,
    VerificationStatus.PARTIALLY_VERIFIED: 15,
    VerificationStatus.VERIFIED: 25,
    VerificationStatus.DISPUTED: 12,
    VerificationStatus.FALSE: 8,
}

PLACES = [
    "Popasna", "Bakhmut", "Avdiivka", "Robotyne", "Vuhledar", "Izium", "Kupiansk", "Bucha",
    "Irpin", "Mariupol", "Kherson", "Snihurivka", "Lyman", "Siversk", "Orikhiv", "Vovchansk",
    "Pokrovsk", "Toretsk", "Chasiv Yar", "Kreminna", "Huliaipole", "Nova Kakhovka", "Balakliia",
]  # fmt: skip
UNITS = [
    "an assault detachment", "a motor-rifle brigade", "a private military company unit",
    "a naval infantry brigade", "an airborne regiment", "a territorial battalion",
]  # fmt: skip
WORDS = [
    "drone", "footage", "intercepted", "order", "surrender", "trench", "village", "shelling",
    "checkpoint", "basement", "convoy", "witness", "commander", "execution", "detention",
    "evacuation", "hospital", "school", "bridge", "market", "artillery", "radio", "filtration",
]  # fmt: skip
CLAIMANTS = [
    "Ukrainian military intelligence (HUR)", "Office of the Prosecutor General",
    "Ukrainian Parliament Commissioner for Human Rights", "Russian Ministry of Defence",
    "a local resident", "an open-source investigator", "a released prisoner of war",
]  # fmt: skip
SPEAKERS = [
    ("Andriy Kostin", "Prosecutor General", "Office of the Prosecutor General"),
    ("Dmytro Lubinets", "Ombudsman", "Verkhovna Rada Commissioner for Human Rights"),
    ("Andriy Yusov", "Spokesman", "Defence Intelligence of Ukraine"),
    ("Igor Konashenkov", "Spokesman", "Russian Ministry of Defence"),
]
STANCE_BY_SPEAKER = [
    OfficialStatement.Stance.INVESTIGATES,
    OfficialStatement.Stance.CONDEMNS,
    OfficialStatement.Stance.ACCUSES,
    OfficialStatement.Stance.DENIES,
]


@dataclass
class Counts:
    incidents: int = 0
    claims: int = 0
    status_changes: int = 0
    evidence: int = 0
    sources: int = 0
    source_links: int = 0
    victims: int = 0
    statements: int = 0
    figures: int = 0
    publication_events: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


@contextmanager
def _explicit_timestamps() -> Iterator[None]:
    """Let generated rows carry their own created/updated times.

    ``auto_now``/``auto_now_add`` would stamp every row with the moment of generation, making
    "recently updated" sorting and date-based plans unrealistic. Switched off only for the
    duration of the generation, in this process.
    """
    fields = [
        model._meta.get_field(name)
        for model in (Incident, Claim, Source, OfficialStatement)
        for name in ("created_at", "updated_at")
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _bench_users():
    User = get_user_model()
    users = {}
    for username in ("bench-editor", "bench-researcher"):
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "email": f"{username}@example.org"}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users[username] = user
    return users["bench-editor"], users["bench-researcher"]


def _aware(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _sentence(rng: random.Random, n: int = 8) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _timed(counts: Counts, name: str) -> Callable:
    """Accumulate the seconds spent in each stage, for the printed breakdown."""

    @contextmanager
    def timer():
        started = time.perf_counter()
        yield
        counts.seconds[name] = counts.seconds.get(name, 0.0) + time.perf_counter() - started

    return timer


def generate(
    *,
    incidents: int,
    seed: int = 1,
    heavy: int = 3,
    heavy_size: int = 500,
    log: Callable[[str], None] = lambda message: None,
) -> Counts:
    """Write ``incidents`` synthetic incidents with their dependants; return what was written.

    ``heavy`` incidents (the first ones generated) get ``heavy_size`` claims and sources each.
    """
    rng = random.Random(seed)
    counts = Counts()
    editor, researcher = _bench_users()
    # Slugs must stay unique when generating into a database that already holds bench data.
    offset = Incident.objects.count()
    with transaction.atomic(), _explicit_timestamps(), _triggers_off() as triggers_off:
        with _timed(counts, "sources")():
            pool = _create_source_pool(
                rng, size=max(incidents // 2, heavy_size, 10), researcher=researcher
            )
        counts.sources = len(pool)
        for start in range(0, incidents, CHUNK_INCIDENTS):
            size = min(CHUNK_INCIDENTS, incidents - start)
            _create_chunk(
                rng,
                counts,
                first=start,
                size=size,
                heavy=max(0, min(heavy - start, size)),
                heavy_size=heavy_size,
                pool=pool,
                offset=offset,
                editor=editor,
                researcher=researcher,
            )
            log(f"  {start + size:>8,} incidents")
        if triggers_off:
            with _timed(counts, "foreign keys checked")():
                _check_references()
    with _timed(counts, "search vectors")():
        refresh_search_vectors()
        # Bulk inserts send no signals: count the home page's tallies once, empty the pages.
        tallies.rebuild()
        invalidate_everything()
    if connection.vendor == "postgresql":
        with _timed(counts, "analyze")(), connection.cursor() as cursor:
            # Fresh statistics, so the first benchmark request is planned on real row counts;
            # VACUUM also sets the visibility map that index-only scans (the list's id pages)
            # need. VACUUM cannot run inside a transaction (as in the tests): ANALYZE only there.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return counts


# --- writing rows -------------------------------------------------------------------------------

# Every model the generator writes, for the reference check after a load without FK triggers.
WRITTEN = []


@contextmanager
def _triggers_off() -> Iterator[bool]:
    """On PostgreSQL, inside the caller's transaction: no triggers (search vectors, deferred
    foreign-key checks) until the end of the block. Needs a superuser, as the bench database's
    owner is; otherwise the load runs with the triggers on, only slower. Yields whether off."""
    if connection.vendor != "postgresql":
        yield False
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        [before] = cursor.fetchone()
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            yield False
            return
    try:
        yield True
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('session_replication_role', %s, true)", [before])


def _check_references() -> None:
    """Every foreign key of the written rows points at a row: what the triggers that were off
    would have checked at commit. One anti-join per foreign key."""
    with connection.cursor() as cursor:
        for model in {id(m): m for m in WRITTEN}.values():
            for field in model._meta.concrete_fields:
                if not field.is_relation:
                    continue
                target = field.related_model._meta
                sql = (
                    f"SELECT count(*) FROM {model._meta.db_table} r "
                    f"WHERE r.{field.column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                    f"{target.db_table} t WHERE t.{target.pk.column} = r.{field.column})"
                )
                cursor.execute(sql)
                [orphans] = cursor.fetchone()
                if orphans:
                    raise RuntimeError(
                        f"{orphans} rows of {model._meta.db_table} point at no {target.db_table}"
                    )


def _copy_value(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = (
                value.replace("\\", "\\\\")
                .replace("\t", "\\t")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
            )
        return str(value)  # a TextChoices member as its value
    return str(value)


def _insert(model, objects: list) -> list:
    """Write ``objects`` (model instances) and give them their ids: ``COPY`` on PostgreSQL,
    ``bulk_create`` elsewhere. Like ``bulk_create``, fields' ``pre_save`` runs (auto_now)
    and ``save()`` does not."""
    if model not in WRITTEN:
        WRITTEN.append(model)
    if not objects:
        return objects
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    opts = model._meta
    fields = opts.concrete_fields
    as_json = [isinstance(f, models.JSONField) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding = False
        buffer = io.StringIO()
        for obj in objects:
            values = []
            for f, is_json in zip(fields, as_json, strict=True):
                value = f.pre_save(obj, True)
                if is_json and value is not None:
                    value = json.dumps(value)
                values.append(_copy_value(value))
            buffer.write("\t".join(values))
            buffer.write("\n")
        buffer.seek(0)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        cursor.copy_expert(f"COPY {opts.db_table} ({columns}) FROM STDIN", buffer)
    return objects


def _create_source_pool(rng: random.Random, *, size: int, researcher) -> list[int]:
    kinds = Source.Kind.values
    sources = []
    for i in range(size):
        published = START + dt.timedelta(days=rng.randrange(DAYS))
        kind = rng.choice(kinds)
        url = f"https://example.org/{kind}/{i}"
        sources.append(
            Source(
                kind=kind,
                title=f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} near "
                f"{rng.choice(PLACES)} ({i})",
                publisher=rng.choice(["Kyiv Independent", "Ukrainska Pravda", "Suspilne", "BBC"]),
                url=url,
                normalised_url=normalise_url(url),
                published_on=published,
                accessed_on=published + dt.timedelta(days=rng.randrange(30)),
                language=rng.choice(["en", "uk", "ru"]),
                is_graphic=rng.random() < 0.1,
                created_by=researcher,
                created_at=_aware(published, 3600),
                updated_at=_aware(published, 7200),
            )
        )
    created = _insert(Source, sources)
    return [source.pk for source in created]


def _create_chunk(
    rng, counts, *, first, size, heavy, heavy_size, pool, offset, editor, researcher
) -> None:
    # --- incidents
    with _timed(counts, "incidents")():
        rows = []
        for i in range(first, first + size):
            rows.append(_incident(rng, number=offset + i, editor=editor, researcher=researcher))
        incidents = _insert(Incident, rows)
        counts.incidents += len(incidents)

    # --- sources per incident (through rows), victims, statements
    through = Source.incidents.through
    links, victims, statements, sources_of = [], [], [], {}
    with _timed(counts, "victims, sources, statements")():
        for n, incident in enumerate(incidents):
            chosen = rng.sample(pool, heavy_size if n < heavy else rng.randint(1, 5))
            sources_of[incident.pk] = chosen
            links += [through(incident_id=incident.pk, source_id=pk) for pk in chosen]
            for _ in range(rng.randint(0, 4)):
                victims.append(_victim(rng, incident, editor=editor))
            statements.append(_statement(rng, incident, reported_in=chosen[0], by=researcher))
        _insert(through, links)
        _insert(AllegedVictim, victims)
        statements = _insert(OfficialStatement, statements)
        statement_links = OfficialStatement.incidents.through
        _insert(
            statement_links,
            [
                statement_links(officialstatement_id=statement.pk, incident_id=incident.pk)
                for statement, incident in zip(statements, incidents, strict=True)
            ],
        )
        figures = []
        for statement in statements:
            if rng.random() < 0.3:
                for year in range(2022, 2022 + rng.randint(1, 3)):
                    figures.append(
                        ReportedFigure(
                            statement=statement,
                            metric=rng.choice(["criminal cases opened", "prisoners executed"]),
                            value=rng.randint(1, 500),
                            period_start=dt.date(year, 1, 1),
                            period_end=dt.date(year, 12, 31),
                            as_of=dt.date(year + 1, 1, 15),
                        )
                    )
        _insert(ReportedFigure, figures)
        counts.source_links += len(links)
        counts.victims += len(victims)
        counts.statements += len(statements)
        counts.figures += len(figures)

    # --- claims, their status changes and evidence
    with _timed(counts, "claims, changes, evidence")():
        claims = []
        for n, (incident, statement) in enumerate(zip(incidents, statements, strict=True)):
            for _ in range(heavy_size if n < heavy else rng.randint(2, 8)):
                claims.append(_claim(rng, incident, statement=statement, editor=editor))
        claims = _insert(Claim, claims)
        changes, evidence = [], []
        for claim in claims:
            if claim.status != VerificationStatus.UNVERIFIED:
                changes.append(
                    ClaimStatusChange(
                        claim=claim,
                        from_status=VerificationStatus.UNVERIFIED,
                        to_status=claim.status,
                        rationale=claim.rationale,
                        methods=claim.methods,
                        changed_by=editor,
                        changed_at=claim.status_changed_at,
                    )
                )
            own = sources_of[claim.incident_id]
            for source_id in rng.sample(own, min(len(own), rng.randint(0, 2))):
                evidence.append(
                    ClaimEvidence(
                        claim=claim,
                        source_id=source_id,
                        relation=rng.choices(ClaimEvidence.Relation.values, weights=[70, 15, 15])[
                            0
                        ],
                    )
                )
        _insert(ClaimStatusChange, changes)
        _insert(ClaimEvidence, evidence)
        counts.claims += len(claims)
        counts.status_changes += len(changes)
        counts.evidence += len(evidence)

    # --- publication events of public incidents
    with _timed(counts, "publication events")():
        events = []
        for incident in incidents:
            if incident.published_at:
                events.append(
                    PublicationEvent(
                        incident=incident,
                        action=PublicationEvent.Action.PUBLISH,
                        from_status=Incident.Status.IN_REVIEW,
                        to_status=Incident.Status.PUBLISHED,
                        by=editor,
                        at=incident.published_at,
                    )
                )
            if incident.retracted_at:
                events.append(
                    PublicationEvent(
                        incident=incident,
                        action=PublicationEvent.Action.RETRACT,
                        from_status=Incident.Status.PUBLISHED,
                        to_status=Incident.Status.RETRACTED,
                        note=incident.retraction_note,
                        by=editor,
                        at=incident.retracted_at,
                    )
                )
        _insert(PublicationEvent, events)
        counts.publication_events += len(events)


def _incident(rng: random.Random, *, number: int, editor, researcher) -> Incident:
    category = rng.choice(Category.values)
    oblast = rng.choice(Oblast.values)
    place = rng.choice(PLACES)
    occurred = START + dt.timedelta(days=rng.randrange(DAYS))
    span = rng.choice([0, 0, 0, 1, 2, 7])
    status = _pick(rng, INCIDENT_STATUS_WEIGHTS)
    created = _aware(occurred + dt.timedelta(days=rng.randint(1, 20)), rng.randrange(86_400))
    published_at = retracted_at = None
    if status in Incident.PUBLIC_STATUSES:
        published_at = created + dt.timedelta(days=rng.randint(1, 30))
    if status == Incident.Status.RETRACTED:
        retracted_at = published_at + dt.timedelta(days=rng.randint(1, 60))
    updated = max(t for t in (created, published_at, retracted_at) if t is not None)
    victims_min = rng.choice([None, rng.randint(1, 5), rng.randint(1, 300)])
    victims_max = None
    if victims_min is not None and rng.random() < 0.5:
        victims_max = victims_min + rng.randint(0, 20)
    located = rng.random() < 0.7
    label = Category(category).label.split(" or ")[0].split(" of ")[0]
    return Incident(
        title=f"{label} in {place}, {Oblast(oblast).label} #{number}",
        slug=f"bench-{number}",
        summary=_sentence(rng, 20),
        description=" ".join(_sentence(rng, 12) for _ in range(4)),
        occurred_from=occurred,
        occurred_to=occurred + dt.timedelta(days=span) if span else None,
        date_precision=rng.choice(["day", "day", "day", "month", "approximate"]),
        place_name=place,
        oblast=oblast,
        latitude=round(rng.uniform(44.4, 52.3), 6) if located else None,
        longitude=round(rng.uniform(22.2, 40.2), 6) if located else None,
        category=category,
        perpetrator=rng.choice(UNITS),
        victims_min=victims_min,
        victims_max=victims_max,
        status=status,
        published_at=published_at,
        published_by=editor if published_at else None,
        retracted_at=retracted_at,
        retracted_by=editor if retracted_at else None,
        retraction_note="Footage shown to predate the stated date." if retracted_at else "",
        created_at=created,
        created_by=researcher,
        updated_at=updated,
        updated_by=editor if published_at else researcher,
    )


def _victim(rng: random.Random, incident: Incident, *, editor) -> AllegedVictim:
    group = rng.random() < 0.2
    public = rng.random() < 0.2
    return AllegedVictim(
        incident=incident,
        name="" if group else f"Person {rng.randrange(1_000_000)}",
        identity_public=public,
        # A public identity is an editor's recorded decision (the database requires the reason
        # and the who/when pair).
        identity_reason="Named by the family in a published interview." if public else "",
        identity_decided_at=incident.created_at + dt.timedelta(days=1) if public else None,
        identity_decided_by=editor if public else None,
        status=rng.choice(AllegedVictim.Status.values),
        fate=rng.choice(AllegedVictim.Fate.values),
        count=rng.randint(2, 12) if group else 1,
        age=None if group else rng.choice([None, rng.randint(18, 65)]),
        sex=rng.choice(AllegedVictim.Sex.values),
    )


def _statement(
    rng: random.Random, incident: Incident, *, reported_in: int, by
) -> OfficialStatement:
    speaker = rng.randrange(len(SPEAKERS))
    name, role, organisation = SPEAKERS[speaker]
    stated = incident.occurred_from + dt.timedelta(days=rng.randint(0, 30))
    return OfficialStatement(
        speaker=name,
        speaker_role=role,
        organisation=organisation,
        stated_on=stated,
        quote=_sentence(rng, 15),
        quote_language="uk",
        translation=_sentence(rng, 15),
        stance=STANCE_BY_SPEAKER[speaker],
        reported_in_id=reported_in,
        created_by=by,
        created_at=incident.created_at,
        updated_at=incident.created_at,
    )


def _claim(rng: random.Random, incident: Incident, *, statement, editor) -> Claim:
    status = _pick(rng, CLAIM_STATUS_WEIGHTS)
    created = incident.created_at
    claim = Claim(
        incident=incident,
        text=_sentence(rng, 14),
        claimant=rng.choice(CLAIMANTS),
        statement=statement if rng.random() < 0.3 else None,
        status=status,
        created_at=created,
        updated_at=created,
    )
    if status != VerificationStatus.UNVERIFIED:
        claim.rationale = "Assessed against the cited sources: " + _sentence(rng, 10)
        claim.methods = rng.sample(VerificationMethod.values, rng.randint(1, 3))
        claim.status_changed_at = created + dt.timedelta(hours=rng.randint(1, 24 * 20))
        claim.status_changed_by = editor
        claim.updated_at = claim.status_changed_at
    return claim
