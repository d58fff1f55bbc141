"""Loads the demo data set (``exchange.demo_data``) through the same services a person would use."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.roles import sync_roles
from cases import services
from cases.models import Claim, Incident
from exchange.demo_data import INCIDENTS, SOURCES, STATEMENTS, USERS
from exchange.demo_legal import map_incident, public_reason
from exchange.demo_translations import UK
from sources import services as source_services
from sources.models import OfficialStatement, Source

DEFAULT_PASSWORD = "demo-password-2024"


def ensure_user(*, username, first_name, last_name, role, password):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@example.org",
            "is_staff": True,
            "is_superuser": role is None,
        },
    )
    if created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    if role is not None:
        if not Group.objects.filter(name=role).exists():
            sync_roles()  # the roles migration ran, but the groups were deleted since
        user.groups.add(Group.objects.get(name=role))
    return user


@transaction.atomic
def load_demo(*, password: str = DEFAULT_PASSWORD) -> dict[str, int]:
    """Create the demo users and records that do not exist yet; return how many were created."""
    created = {"incidents": 0, "sources": 0, "statements": 0}
    users = {
        username: ensure_user(
            username=username, first_name=first, last_name=last, role=role, password=password
        )
        for username, first, last, role in USERS
    }
    researcher, editor = users["researcher"], users["editor"]

    sources = {}
    for key, fields in SOURCES.items():
        fields = dict(fields)
        existing = Source.objects.filter(title=fields["title"], publisher=fields["publisher"])
        sources[key] = existing.first()
        if sources[key] is None:
            sources[key] = source_services.source_create(by=researcher, data=fields)
            created["sources"] += 1

    statements = {}
    for key, fields in STATEMENTS.items():
        fields = dict(fields)
        figures = fields.pop("figures", [])
        fields.pop("incidents")
        fields["reported_in"] = sources[fields["reported_in"]]
        statement = OfficialStatement.objects.filter(
            speaker=fields["speaker"], quote=fields["quote"]
        ).first()
        if statement is None:
            statement = source_services.statement_create(by=researcher, data=fields)
            created["statements"] += 1
            for metric, value, start, end, as_of in figures:
                source_services.figure_create(
                    statement=statement,
                    by=researcher,
                    data={
                        "metric": metric,
                        "value": value,
                        "period_start": start,
                        "period_end": end,
                        "as_of": as_of,
                    },
                )
        statements[key] = statement

    for spec in INCIDENTS:
        spec = dict(spec)
        existing = Incident.objects.filter(slug=spec["slug"]).first()
        if existing is not None:
            # issue 18: a demo loaded before the legal mapping existed gets it, in the open.
            public = existing.is_public
            map_incident(
                incident=existing,
                by=editor if public else researcher,
                reason=public_reason() if public else "",
            )
            continue
        victims = spec.pop("victims")
        claims = spec.pop("claims")
        # The English seed text is the original; the Ukrainian translation sits beside it.
        ukrainian = dict(UK.get(spec["slug"], {}))
        claims_uk = ukrainian.pop("claims", {})
        spec.update(original_language="en", **ukrainian)
        source_keys = spec.pop("sources")
        publish = spec.pop("publish")
        incident = services.incident_create(by=researcher, data=spec)
        created["incidents"] += 1
        for victim in victims:
            services.victim_create(incident=incident, by=researcher, data=victim)
        for key in source_keys:
            services.incident_link_source(incident=incident, source=sources[key], by=researcher)
        for claim_spec in claims:
            claim_spec = dict(claim_spec)
            evidence = claim_spec.pop("evidence")
            status = claim_spec.pop("status")
            methods = claim_spec.pop("methods", [])
            rationale = claim_spec.pop("rationale", "")
            statement_key = claim_spec.pop("statement", None)
            claim = services.claim_create(
                incident=incident,
                by=researcher,
                data={
                    **claim_spec,
                    "text_language": "en",
                    "text_uk": claims_uk.get(claim_spec["text"], ""),
                    "statement": statements[statement_key] if statement_key else None,
                },
            )
            for source_key, relation, note in evidence:
                services.evidence_create(
                    claim=claim,
                    by=researcher,
                    data={"source": sources[source_key], "relation": relation, "note": note},
                )
            if status != Claim.Status.UNVERIFIED:
                services.claim_change_status(
                    claim=claim, status=status, rationale=rationale, methods=methods, by=editor
                )
        for key, fields in STATEMENTS.items():
            if spec["slug"] in fields["incidents"]:
                services.incident_link_statement(
                    incident=incident, statement=statements[key], by=researcher
                )
        map_incident(incident=incident, by=researcher)  # issue 18
        if publish:
            incident.refresh_from_db()
            services.incident_transition(incident=incident, action="submit", by=researcher)
            services.incident_transition(
                incident=incident,
                action="publish",
                by=editor,
                note="Checked against the seed report; statuses reflect what the report supports.",
                notify=False,
            )
    _add_demo_files(editor=editor, source=next(iter(sources.values())))
    return created


# issue 17: two small plain-text evidence files on the first demo source, one released to
# readers and one restricted, so the evidence package, the timestamps and the log show files.
DEMO_FILES = [
    ("demo-transcript-excerpt.txt", False, "Demo evidence file (released): a transcript excerpt."),
    ("demo-restricted-note.txt", True, "Demo evidence file (restricted): a researcher's capture."),
]


def _add_demo_files(*, editor, source) -> None:
    from django.core.files.base import ContentFile

    from sources.models import SourceFile

    for name, restricted, text in DEMO_FILES:
        content = f"{text}\nSource: {source.title}\n".encode()
        if SourceFile.objects.filter(original_name=name).exists():
            continue
        source_services.source_file_add(
            source=source,
            uploaded=ContentFile(content, name=name),
            by=editor,
            is_restricted=restricted,
        )
