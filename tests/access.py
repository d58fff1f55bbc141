"""Shared machinery for the permission matrix and the leak sentinels: the URL walk, the roles,
one record of every kind, and turning a URL pattern into an address to request."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver

ROLES = ("anonymous", "reader", "researcher", "editor", "superuser")


def _normalise(route: str) -> str:
    """A readable key for a pattern: regex anchors dropped, groups written like converters."""
    route = route.replace("([^/]+)", "<arg>")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    return route.replace("^", "").replace("$", "").replace("\\.", ".")


def walk_patterns(patterns=None, prefix: str = "") -> Iterator[str]:
    """Every URL pattern of the project, admin and included apps too, as a normalised route."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from walk_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield _normalise(prefix + str(pattern.pattern))


@dataclass(frozen=True)
class Row:
    """Expected status codes of one URL pattern for each role (GET unless ``method``).

    ``url`` is a format string filled from the records of ``every_record`` (``{incident.slug}``,
    ``{source.pk}`` ...); without it, admin addresses are derived from the pattern.
    """

    anonymous: int
    reader: int
    researcher: int
    editor: int
    superuser: int
    url: str | None = None

    def expected(self, role: str) -> int:
        return getattr(self, role)


_ADMIN_MODEL = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/")


def concrete_url(route: str, row: Row, records: dict) -> str:
    """The address to request for ``route``, filled with real records."""
    if row.url is not None:
        return row.url.format(**records)
    url = route
    match = _ADMIN_MODEL.match(route)
    if match and match["model"] in records:
        obj = records[match["model"]]
        url = re.sub(r"<(?:\w+:)?(object_id|id)>", str(obj.pk), url, count=1)
        if "<arg>" in url:
            # simple-history's "view this version" page: first the object, then a history row.
            url = url.replace("<arg>", str(obj.pk), 1)
            url = url.replace("<arg>", str(obj.history.order_by("history_id").first().pk), 1)
    if "<" in url:
        raise AssertionError(f"Give the row for {route!r} a url=... to request")
    return "/" + url


def every_record(incident_factory_kwargs: dict | None = None) -> dict:
    """One published record of every kind, keyed by model name (``incident``, ``claim`` ...)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group

    from accounts.models import AccessEvent
    from accounts.roles import EDITORS
    from cases.models import Correction, CorrectionProposal
    from jobs.models import Job
    from sources.models import SourceCapture
    from tests import factories as f

    incident = f.IncidentFactory(
        published=True, title="Published incident", **(incident_factory_kwargs or {})
    )
    victim = f.AllegedVictimFactory(incident=incident)
    source = f.SourceFactory(title="Published source")
    incident.sources.add(source)
    claim = f.ClaimFactory(incident=incident)
    evidence = f.ClaimEvidenceFactory(claim=claim, source=source)
    statement = f.OfficialStatementFactory()
    statement.incidents.add(incident)
    figure = f.ReportedFigureFactory(statement=statement)
    source_file = f.SourceFileFactory(source=source)
    attempt = {
        "user_agent": "test",
        "ip_address": "10.0.0.1",
        "username": "someone",
        "http_accept": "*/*",
        "path_info": "/admin/login/",
    }
    correction = Correction.objects.create(
        incident=incident,
        record="Incident",
        changes=[{"field": "summary", "before": "A", "after": "B"}],
        reason="A public reason.",
        by=f.EditorFactory(username="corrector"),
        at=incident.published_at,
    )
    # issue 17: the correction as the service would log it, so the log has an entry to show.
    from cases.transparency import log_correction

    log_correction(correction)
    proposal = CorrectionProposal.objects.create(
        incident=incident,
        what="The summary",
        why="A report",
        proposed_by=f.ResearcherFactory(username="proposer"),
        proposed_at=incident.published_at,
    )
    # issue 18: a provision (loaded by the migration) chosen for the incident, a claim linked.
    from law.loading import ensure_provisions
    from law.models import ClaimElement, IncidentProvision, Provision

    ensure_provisions()  # the migration's rows are gone after a flushing (transactional) test
    provision = Provision.objects.get(code="rs-8-2-b-vi")
    chosen = IncidentProvision.objects.create(incident=incident, provision=provision)
    ClaimElement.objects.create(
        incident_provision=chosen, element=provision.elements.get(number=1), claim=claim
    )
    return {
        "provision": provision,
        "incidentprovision": chosen,
        "incident": incident,
        "correction": correction,
        "correctionproposal": proposal,
        "allegedvictim": victim,
        "claim": claim,
        "claimevidence": evidence,
        "claimstatuschange": f.ClaimStatusChangeFactory(claim=claim),
        "publicationevent": f.PublicationEventFactory(incident=incident),
        "source": source,
        "sourcefile": source_file,
        "filecustodyevent": f.FileCustodyEventFactory(source_file=source_file),
        "officialstatement": statement,
        "reportedfigure": figure,
        "user": f.UserFactory(username="someone-else"),
        "group": Group.objects.get(name=EDITORS),
        "accessattempt": AccessAttempt.objects.create(
            **attempt, get_data="", post_data="", failures_since_start=1
        ),
        "accesslog": AccessLog.objects.create(**attempt),
        "accessfailurelog": AccessFailureLog.objects.create(**attempt),
        "incident_content_type": ContentType.objects.get_for_model(incident),
        # issue 16
        "job": Job.objects.create(kind="sources.capture", label="A background job"),
        "sourcecapture": SourceCapture.objects.create(
            source=source, url=source.url, state="failed", failure="http_404", reason="404"
        ),
        # issue 20
        "accessevent": AccessEvent.objects.create(action=AccessEvent.Action.EXPORT, username="x"),
        "apitoken": _api_token(),  # issue 19
    }


def _api_token():
    """Another researcher's API token (issue 19)."""
    from apikeys.services import token_create
    from tests import factories as f

    holder = f.ResearcherFactory(username="token-holder")
    return token_create(by=holder, user=holder, name="their bot", scopes=["drafts"])[0]
