"""Loads the demo data set (``cases.demo_data``) through the same services a person would use."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.roles import sync_roles
from cases import services
from cases.demo_data import INCIDENTS, SOURCES, STATEMENTS, USERS
from cases.models import AllegedVictim, Claim, ClaimEvidence, Incident
from sources.models import OfficialStatement, ReportedFigure, Source

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
        sources[key], was_created = Source.objects.get_or_create(
            title=fields.pop("title"),
            publisher=fields.pop("publisher"),
            defaults={**fields, "created_by": researcher},
        )
        created["sources"] += was_created

    statements = {}
    for key, fields in STATEMENTS.items():
        fields = dict(fields)
        figures = fields.pop("figures", [])
        fields.pop("incidents")
        fields["reported_in"] = sources[fields["reported_in"]]
        statement, was_created = OfficialStatement.objects.get_or_create(
            speaker=fields.pop("speaker"),
            quote=fields.pop("quote"),
            defaults={**fields, "created_by": researcher},
        )
        if was_created:
            created["statements"] += 1
            for metric, value, start, end, as_of in figures:
                ReportedFigure.objects.create(
                    statement=statement,
                    metric=metric,
                    value=value,
                    period_start=start,
                    period_end=end,
                    as_of=as_of,
                )
        statements[key] = statement

    for spec in INCIDENTS:
        spec = dict(spec)
        if Incident.objects.filter(slug=spec["slug"]).exists():
            continue
        victims = spec.pop("victims")
        claims = spec.pop("claims")
        source_keys = spec.pop("sources")
        publish = spec.pop("publish")
        incident = Incident(**spec, created_by=researcher, updated_by=researcher)
        incident.full_clean()
        incident.save()
        created["incidents"] += 1
        for victim in victims:
            AllegedVictim.objects.create(incident=incident, **victim)
        incident.sources.add(*(sources[key] for key in source_keys))
        for claim_spec in claims:
            claim_spec = dict(claim_spec)
            evidence = claim_spec.pop("evidence")
            status = claim_spec.pop("status")
            methods = claim_spec.pop("methods", [])
            rationale = claim_spec.pop("rationale", "")
            statement_key = claim_spec.pop("statement", None)
            claim = Claim.objects.create(
                incident=incident,
                statement=statements[statement_key] if statement_key else None,
                **claim_spec,
            )
            for source_key, relation, note in evidence:
                ClaimEvidence.objects.create(
                    claim=claim, source=sources[source_key], relation=relation, note=note
                )
            if status != Claim.Status.UNVERIFIED:
                services.claim_change_status(
                    claim=claim, status=status, rationale=rationale, methods=methods, by=editor
                )
        for key, fields in STATEMENTS.items():
            if spec["slug"] in fields["incidents"]:
                statements[key].incidents.add(incident)
        if publish:
            services.incident_transition(incident=incident, action="submit", by=researcher)
            services.incident_transition(
                incident=incident,
                action="publish",
                by=editor,
                note="Checked against the seed report; statuses reflect what the report supports.",
                notify=False,
            )
    return created
