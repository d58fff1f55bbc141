"""The write matrix: every URL that accepts a POST × role × incident state.

``ROWS`` is the one table: a row per URL pattern (a few patterns have more than one, one per kind
of change worth telling apart), each a crafted POST built from the real form as a browser would
send it (``craft``: GET the page, fill its form, apply the change, POST), with a change that
readers would see if it went through. Each row says, for a researcher and for an editor, on a
draft, a published and a retracted incident, whether the POST

- ``A`` (APPLIES): the database changes, the row's ``check`` holds, and what an anonymous reader
  sees (the incident's page, its API record, the CSV export and the download of its kept file)
  changes exactly when the incident was or became public; an editor's change to a public record
  leaves a public ``Correction`` with its reason;
- ``R`` (REFUSED): nothing changes, neither in the database nor in what a reader sees.

The columns are ``(draft, published, retracted)``. ``test_every_writing_pattern_has_a_row`` walks
the URL configuration and fails, listing them, for patterns that have neither a row nor a line in
``DOES_NOT_WRITE``: a new page that takes a POST cannot ship without someone deciding what it
may do. The rules themselves are in ``cases.policy``.

A row is written as the policy demands, even where today's code does otherwise: a POST that
changes what readers see against the policy fails its row. A refusal the policy does not ask for
is listed in ``KNOWN_DEFECTS`` (strict xfail).
"""

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import AccessEvent, User
from accounts.roles import EDITORS, RESEARCHERS
from cases.models import (
    AllegedVictim,
    Category,
    Claim,
    ClaimStatusChange,
    Correction,
    CorrectionProposal,
    Incident,
    PublicationEvent,
)
from jobs.models import Job
from sources.models import (
    FileCustodyEvent,
    OfficialStatement,
    ReportedFigure,
    Source,
    SourceCapture,
    SourceFile,
)
from tests.access import walk_patterns
from tests.factories import (
    AllegedVictimFactory,
    ClaimEvidenceFactory,
    ClaimFactory,
    ClaimStatusChangeFactory,
    FileCustodyEventFactory,
    IncidentFactory,
    OfficialStatementFactory,
    PublicationEventFactory,
    ReportedFigureFactory,
    SourceFactory,
    SourceFileFactory,
    SuperuserFactory,
)
from tests.html_forms import form_data
from tests.security_fixtures import SecondFactorClient

pytestmark = pytest.mark.django_db

A, R = "applies", "refused"
ALWAYS = (A, A, A)
NEVER = (R, R, R)
DRAFT_ONLY = (A, R, R)
STATES = ("draft", "published", "retracted")
ROLES = ("researcher", "editor")

REASON = "Matrix: the intercept is dated 21 April."
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# --- the world every row is tried against -----------------------------------------------------


@dataclass
class World:
    """One incident in the state under test, with one record of every kind that hangs off it."""

    state: str
    role: str
    incident: Incident
    first_version: object  # the incident's first history row ("view this version")
    other: Incident  # a second draft, to move things to
    victim: AllegedVictim
    claim: Claim
    source: Source  # cited, evidence for the claim, keeps a restricted graphic file
    press: Source  # only cited by the incident: deletable while the incident is a draft
    kept: SourceFile
    statement: OfficialStatement
    figure: ReportedFigure
    proposal: CorrectionProposal
    status_change: ClaimStatusChange
    event: PublicationEvent
    correction: Correction
    custody: FileCustodyEvent
    researcher: User
    editor: User
    superuser: User
    attempt: AccessAttempt
    access_log: AccessLog
    failure_log: AccessFailureLog
    admin_client: Client | None = None  # a superuser's, to read forms a role may not open
    extra: dict = field(default_factory=dict)

    @property
    def was_public(self) -> bool:
        return self.state != "draft"


def make_world(state: str, role: str, researcher: User, editor: User) -> World:
    status = {"draft": {}, "published": {"published": True}, "retracted": {"retracted": True}}
    incident = IncidentFactory(
        title="Popasna executions",
        slug="popasna-executions",
        summary="First summary.",
        external_id="matrix-1",
        created_by=researcher,
        **status[state],
        **({"published_by": editor} if state != "draft" else {}),
    )
    first_version = incident.history.get()
    incident.summary = "Six men were shot."
    incident.save()
    victim = AllegedVictimFactory(incident=incident, name="Ivan Withheld", identity_public=False)
    claim = ClaimFactory(
        incident=incident,
        text="The order was given on 20 April.",
        claimant="CNN",
        status="verified",
        rationale="Audio authenticated.",
        methods=["av_forensics"],
    )
    source = SourceFactory(title="Intercept transcript", created_by=researcher)
    press = SourceFactory(title="Press report", created_by=researcher)
    incident.sources.add(source, press)
    ClaimEvidenceFactory(claim=claim, source=source)
    kept = SourceFileFactory(
        source=source, is_restricted=True, is_graphic=True, uploaded_by=researcher
    )
    statement = OfficialStatementFactory(speaker="Prosecutor General", created_by=researcher)
    statement.incidents.add(incident)
    figure = ReportedFigureFactory(statement=statement, value=75)
    superuser = SuperuserFactory(username="matrix-admin")
    attempt = {
        "user_agent": "test",
        "ip_address": "10.0.0.1",
        "username": "someone",
        "http_accept": "*/*",
        "path_info": "/admin/login/",
    }
    return World(
        state=state,
        role=role,
        incident=incident,
        first_version=first_version,
        other=IncidentFactory(title="Another draft", created_by=researcher),
        victim=victim,
        claim=claim,
        source=source,
        press=press,
        kept=kept,
        statement=statement,
        figure=figure,
        proposal=CorrectionProposal.objects.create(
            incident=incident,
            what="The summary",
            why="A report",
            proposed_by=researcher,
            proposed_at=incident.created_at,
        ),
        status_change=ClaimStatusChangeFactory(claim=claim, changed_by=editor),
        event=PublicationEventFactory(incident=incident),
        correction=Correction.objects.create(
            incident=incident,
            record="Incident",
            changes=[{"field": "summary", "before": "A", "after": "B"}],
            reason="An earlier correction.",
            by=editor,
            at=incident.created_at,
        ),
        custody=FileCustodyEventFactory(source_file=kept),
        researcher=researcher,
        editor=editor,
        superuser=superuser,
        attempt=AccessAttempt.objects.create(
            **attempt, get_data="", post_data="", failures_since_start=5
        ),
        access_log=AccessLog.objects.create(**attempt),
        failure_log=AccessFailureLog.objects.create(**attempt),
        # issue 20: an entry of the staff access log
        extra={"access_event": AccessEvent.objects.create(action="export", username="x")},
    )


# --- what changed: the database and what a reader sees -----------------------------------------

SNAPSHOT_APPS = {"cases", "sources", "accounts", "auth", "axes", "jobs", "law", "apikeys"}
# issue 20: like sessions, the sessions list records that a page was used; the access log gains
# entries when staff see withheld names, but its existing entries never change (checked below).
NOT_SNAPSHOT = {"accounts.StaffSession"}
APPEND_ONLY = {"accounts.AccessEvent"}


def snapshot() -> dict[str, list[tuple]]:
    """Every row of the domain, audit, history, account and lockout tables, as plain values.

    The admin's own log (``django_admin_log``) and sessions are left out: they record that a
    page was used, not what readers or the domain see.
    """
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in SNAPSHOT_APPS and model._meta.label not in NOT_SNAPSHOT
    }


def db_changes(before: dict, after: dict) -> list[str]:
    lines = []
    for label in before:
        if label in APPEND_ONLY:
            after = {**after, label: after[label][: len(before[label])]}
        if before[label] != after[label]:
            gone = [row for row in before[label] if row not in after[label]]
            new = [row for row in after[label] if row not in before[label]]
            lines.append(f"{label}: -{gone[:2]} +{new[:2]}")
    return lines


def reader_view(world: World) -> dict[str, tuple[int, bytes]]:
    """What an anonymous reader gets for the incident: its page (which shows its claims,
    victims, sources, statements with their figures and its corrections), its API record, the
    CSV export, and the download of the kept file."""
    reader = Client()
    pages = {
        "incident page": world.incident.get_absolute_url(),
        "API": f"/api/v1/incidents/{world.incident.slug}/",
        "CSV export": "/incidents/export.csv",
        "file download": f"/en/files/{world.kept.pk}/download/?confirmed=1",
    }
    seen = {}
    for name, url in pages.items():
        response = reader.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        seen[name] = (response.status_code, body)
    return seen


def public_now(world: World) -> bool:
    return Incident.objects.public().filter(pk=world.incident.pk).exists()


# --- crafting a POST ----------------------------------------------------------------------------


def craft(world: World, client: Client, url: str, changes, form_id: str | None = None):
    """POST the form at ``url`` as a browser would, with ``changes`` applied.

    The form is read as the signed-in user sees it; where that user may not open the page, as a
    superuser sees it (an attacker who knows the form). ``changes`` is a dict, or a function
    of the form's data returning one (to find an inline's index).
    """
    page = client.get(url)
    if page.status_code != 200:
        page = world.admin_client.get(url)
    data = form_data(page.content.decode(), form_id) if page.status_code == 200 else {}
    data = {name: value for name, value in data.items() if "__prefix__" not in name}
    data.update(changes(data) if callable(changes) else changes)
    return client.post(url, data)


def index_of(data: dict, prefix: str, name: str, value) -> int:
    """The index of the inline form in ``prefix`` whose ``name`` field holds ``value``."""
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for i in range(total):
        if data.get(f"{prefix}-{i}-{name}") == str(value):
            return i
    raise AssertionError(f"No {prefix} form with {name}={value}")


def admin_url(model: str, obj=None, page: str = "change") -> str:
    return f"/admin/{model}/{obj.pk}/{page}/" if obj is not None else f"/admin/{model}/{page}/"


def post_form(model: str, target: Callable[[World], object], changes, *, page="change"):
    """A row's POST: the admin change (or add) form of ``target(world)`` with ``changes``."""
    form_id = f"{model.split('/')[1]}_form"

    def post(world, client):
        obj = target(world) if target else None
        made = changes(world) if callable(changes) else changes
        return craft(world, client, admin_url(model, obj, page), made, form_id=form_id)

    return post


def post_delete(model: str, target: Callable[[World], object]):
    def post(world, client):
        return client.post(
            admin_url(model, target(world), "delete"),
            {"post": "yes", "correction_reason": REASON},
        )

    return post


def post_bulk_delete(model: str, target: Callable[[World], object]):
    def post(world, client):
        return client.post(
            f"/admin/{model}/",
            {
                "action": "delete_selected",
                "_selected_action": [target(world).pk],
                "post": "yes",
                "correction_reason": REASON,
            },
        )

    return post


def post_history(model: str, target: Callable[[World], object], changes: dict):
    """The "view this version" page of the first version, posted back as its form."""
    form_id = f"{model.split('/')[1]}_form"

    def post(world, client):
        obj = target(world)
        version = obj.history.order_by("history_id").first()
        url = f"/admin/{model}/{obj.pk}/history/{version.pk}/"
        return craft(world, client, url, {**changes, "loaded_version": ""}, form_id=form_id)

    return post


def post_data(url: Callable[[World], str], data: Callable[[World], dict]):
    def post(world, client):
        return client.post(url(world), data(world))

    return post


def post_import(world, client):
    """Preview a CSV that retitles the incident (matched on its external id), then confirm."""
    csv = (
        "external_id,title,occurred_from,category\n"
        f"matrix-1,Imported title,2024-11-01,{Category.POW_EXECUTION.value}\n"
    ).encode()
    url = "/admin/cases/incident/import/"
    preview = client.post(url, {"file": SimpleUploadedFile("matrix.csv", csv), "mapping": "native"})
    if preview.status_code != 200:
        return preview
    token = form_data(preview.content.decode(), "confirm-form").get("token", "")
    return client.post(url, {"token": token})


# --- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One crafted POST on one URL pattern and what the policy says it does.

    ``researcher`` and ``editor`` give the outcome on a (draft, published, retracted) incident;
    ``check(world)`` says the intended change is in the database when it applies; ``visible``
    is False for changes readers never see (internal notes, proposals); ``corrects`` is False
    where the audit record is not a ``Correction`` (workflow, statuses, imports, proposals);
    ``setup(world)`` adds what only this row needs, before anything is measured.
    """

    pattern: str
    what: str
    post: Callable
    researcher: tuple
    editor: tuple
    check: Callable[[World], bool] | None = None
    visible: bool = True
    corrects: bool = True
    setup: Callable[[World], None] | None = None


def incident(world):
    return Incident.objects.filter(pk=world.incident.pk).first()


def exists(model, **lookups):
    return model.objects.filter(**lookups).exists()


INCIDENT = "cases/incident"
CLAIM = "cases/claim"
SOURCE = "sources/source"
STATEMENT = "sources/officialstatement"
FIGURE = "sources/reportedfigure"
FILE = "sources/sourcefile"


def reword(world):
    claim = Claim.objects.get(pk=world.claim.pk)
    return claim.text == "The order was given on 21 April." and claim.status == "unverified"


def workflow(action: str, note: str = "Matrix decision."):
    def data(world):
        return {"note": note, "loaded_version": incident(world).version}

    return post_data(lambda w: f"/admin/cases/incident/{w.incident.pk}/workflow/{action}/", data)


def fresh_incident(world):
    """A second incident in the world's state, with a claim and a victim but no audit trail."""
    state = {"draft": {}, "published": {"published": True}, "retracted": {"retracted": True}}
    fresh = IncidentFactory(title="A fresh incident", **state[world.state])
    ClaimFactory(incident=fresh, text="A fresh claim.")
    AllegedVictimFactory(incident=fresh)
    world.extra["fresh"] = fresh


def fresh_claim(world):
    """A second claim on the world's incident, never assessed (no status changes)."""
    world.extra["fresh claim"] = ClaimFactory(incident=world.incident, text="A duplicate claim.")


def named_as_the_role_may(world) -> bool:
    """The new victim exists; its name is public only if an editor (who may) said so.

    A researcher's "identity public" box is disabled, so a tick posted for it is ignored: the
    victim is saved with the name withheld, as if the box had not been ticked.
    """
    return exists(AllegedVictim, name="Petro Named", identity_public=world.role == "editor")


def became(status: str, action: str):
    def check(world):
        return incident(world).status == status and exists(
            PublicationEvent, incident=world.incident, action=action
        )

    return check


# fmt: off
ROWS: list[Row] = [
    # --- incidents ------------------------------------------------------------------------------
    # An incident with an audit trail (a publication event, an assessed claim's status change,
    # a correction) is never deleted: nobody may delete audit records, which would go with it.
    Row("admin/cases/incident/", "bulk delete",
        post_bulk_delete(INCIDENT, lambda w: w.incident),
        researcher=NEVER, editor=NEVER),
    Row("admin/cases/incident/", "bulk delete with no audit trail",
        post_bulk_delete(INCIDENT, lambda w: w.extra["fresh"]),
        researcher=NEVER, editor=DRAFT_ONLY, setup=fresh_incident,
        check=lambda w: not exists(Incident, pk=w.extra["fresh"].pk), corrects=False),
    Row("admin/cases/incident/add/", "new draft",
        post_form(INCIDENT, None, {"title": "A new incident", "slug": "a-new-incident",
                                   "occurred_from": "2024-11-02", "category": "pow_execution"},
                  page="add"),
        researcher=ALWAYS, editor=ALWAYS,
        check=lambda w: exists(Incident, slug="a-new-incident", status="draft"),
        visible=False),
    Row("admin/cases/incident/add/", "new draft naming a victim publicly",
        post_form(INCIDENT, None, {
            "title": "A new incident", "slug": "a-new-incident", "occurred_from": "2024-11-02",
            "category": "pow_execution", "victims-TOTAL_FORMS": "1",
            "victims-0-name": "Petro Named", "victims-0-identity_public": "on",
            "victims-0-identity_reason": "Written consent.", "victims-0-status": "pow",
            "victims-0-fate": "killed", "victims-0-count": "1"}, page="add"),
        researcher=ALWAYS, editor=ALWAYS, check=named_as_the_role_may, visible=False),
    Row("admin/cases/incident/<path:object_id>/change/", "summary",
        post_form(INCIDENT, lambda w: w.incident,
                  {"summary": "Nothing happened.", "correction_reason": REASON}),
        researcher=DRAFT_ONLY, editor=ALWAYS,
        check=lambda w: incident(w).summary == "Nothing happened."),
    Row("admin/cases/incident/<path:object_id>/change/", "summary without a reason",
        post_form(INCIDENT, lambda w: w.incident, {"summary": "Nothing happened."}),
        researcher=DRAFT_ONLY, editor=DRAFT_ONLY,
        check=lambda w: incident(w).summary == "Nothing happened."),
    Row("admin/cases/incident/<path:object_id>/change/", "publish by posting a status",
        post_form(INCIDENT, lambda w: w.incident,
                  {"status": "published", "correction_reason": REASON}),
        researcher=NEVER, editor=NEVER),
    Row("admin/cases/incident/<path:object_id>/change/", "victim's internal notes",
        post_form(INCIDENT, lambda w: w.incident,
                  {"victims-0-notes": "Brother reachable via the unit."}),
        researcher=ALWAYS, editor=ALWAYS,
        check=lambda w: AllegedVictim.objects.get(pk=w.victim.pk).notes.startswith("Brother"),
        visible=False),
    Row("admin/cases/incident/<path:object_id>/change/", "reveal a withheld victim",
        post_form(INCIDENT, lambda w: w.incident, {
            "victims-0-identity_public": "on", "victims-0-identity_reason": "Written consent.",
            "correction_reason": REASON}),
        researcher=NEVER, editor=ALWAYS,
        check=lambda w: AllegedVictim.objects.get(pk=w.victim.pk).identity_public),
    Row("admin/cases/incident/<path:object_id>/change/", "add a victim named publicly",
        post_form(INCIDENT, lambda w: w.incident, {
            "victims-TOTAL_FORMS": "2", "victims-1-name": "Petro Named",
            "victims-1-identity_public": "on", "victims-1-identity_reason": "Written consent.",
            "victims-1-status": "pow", "victims-1-fate": "killed", "victims-1-count": "1",
            "correction_reason": REASON}),
        researcher=DRAFT_ONLY, editor=ALWAYS, check=named_as_the_role_may),
    Row("admin/cases/incident/<path:object_id>/change/", "reword an assessed claim",
        post_form(INCIDENT, lambda w: w.incident, {
            "claims-0-text": "The order was given on 21 April.", "correction_reason": REASON}),
        researcher=NEVER, editor=ALWAYS, check=reword),
    # An assessed claim keeps its verification history: refused inline as on its own page.
    Row("admin/cases/incident/<path:object_id>/change/", "delete an assessed claim",
        post_form(INCIDENT, lambda w: w.incident,
                  {"claims-0-DELETE": "on", "correction_reason": REASON}),
        researcher=NEVER, editor=NEVER),
    Row("admin/cases/incident/<path:object_id>/change/", "delete a claim never assessed",
        post_form(INCIDENT, lambda w: w.incident, lambda w: lambda data: {
            f"claims-{index_of(data, 'claims', 'id', w.extra['fresh claim'].pk)}-DELETE": "on",
            "correction_reason": REASON}),
        researcher=DRAFT_ONLY, editor=ALWAYS, setup=fresh_claim,
        check=lambda w: not exists(Claim, pk=w.extra["fresh claim"].pk)),
    Row("admin/cases/incident/<path:object_id>/change/", "stop citing a source",
        post_form(INCIDENT, lambda w: w.incident, lambda w: lambda data: {
            f"Source_incidents-{index_of(data, 'Source_incidents', 'source', w.press.pk)}"
            "-DELETE": "on",
            "correction_reason": REASON}),
        researcher=DRAFT_ONLY, editor=ALWAYS,
        check=lambda w: not incident(w).sources.filter(pk=w.press.pk).exists()),
    Row("admin/cases/incident/<path:object_id>/delete/", "delete",
        post_delete(INCIDENT, lambda w: w.incident),
        researcher=NEVER, editor=NEVER),
    Row("admin/cases/incident/<path:object_id>/delete/", "delete with no audit trail",
        post_delete(INCIDENT, lambda w: w.extra["fresh"]),
        researcher=NEVER, editor=DRAFT_ONLY, setup=fresh_incident,
        check=lambda w: not exists(Incident, pk=w.extra["fresh"].pk), corrects=False),
    Row("admin/cases/incident/<arg>/history/<arg>/", "post the first version back",
        post_history(INCIDENT, lambda w: w.incident,
                     {"status": "draft", "correction_reason": REASON}),
        researcher=NEVER, editor=NEVER),
    Row("admin/cases/incident/<path:object_id>/propose-correction/", "propose",
        post_data(lambda w: f"/admin/cases/incident/{w.incident.pk}/propose-correction/",
                  lambda w: {"what": "Summary: seven men.", "why": "New forensic report."}),
        researcher=(R, A, A), editor=(R, A, A),
        check=lambda w: exists(CorrectionProposal, what="Summary: seven men."),
        visible=False, corrects=False),
    Row("admin/cases/incident/import/", "retitle by external id",
        post_import,
        researcher=DRAFT_ONLY, editor=DRAFT_ONLY,
        check=lambda w: incident(w).title == "Imported title", corrects=False),
    # --- the publication workflow (a draft can be submitted or published directly)
    Row("admin/cases/incident/<path:object_id>/workflow/<str:action>/", "submit",
        workflow("submit"),
        researcher=DRAFT_ONLY, editor=DRAFT_ONLY,
        check=became("in_review", "submit"), corrects=False),
    Row("admin/cases/incident/<path:object_id>/workflow/<str:action>/", "publish",
        workflow("publish"),
        researcher=NEVER, editor=DRAFT_ONLY,
        check=became("published", "publish"), corrects=False),
    Row("admin/cases/incident/<path:object_id>/workflow/<str:action>/", "return_to_draft",
        workflow("return_to_draft"),
        researcher=NEVER, editor=NEVER),  # only from "in review"
    Row("admin/cases/incident/<path:object_id>/workflow/<str:action>/", "retract",
        workflow("retract"),
        researcher=NEVER, editor=(R, A, R),
        check=became("retracted", "retract"), corrects=False),
    Row("admin/cases/incident/<path:object_id>/workflow/<str:action>/", "unpublish",
        workflow("unpublish"),
        researcher=NEVER, editor=(R, A, A),
        check=became("draft", "unpublish"), corrects=False),
    # --- claims ---------------------------------------------------------------------------------
    # The world's claim was assessed: its status changes are audit records, which nobody may
    # delete, so neither may anyone delete the claim on its own pages.
    Row("admin/cases/claim/", "bulk delete",
        post_bulk_delete(CLAIM, lambda w: w.claim),
        researcher=NEVER, editor=NEVER),
    Row("admin/cases/claim/", "bulk delete, never assessed",
        post_bulk_delete(CLAIM, lambda w: w.extra["fresh claim"]),
        researcher=DRAFT_ONLY, editor=ALWAYS, setup=fresh_claim,
        check=lambda w: not exists(Claim, pk=w.extra["fresh claim"].pk)),
    Row("admin/cases/claim/add/", "add a claim",
        post_form(CLAIM, None, lambda w: {
            "incident": str(w.incident.pk), "text": "A new claim.", "claimant": "BBC",
            "correction_reason": REASON}, page="add"),
        researcher=DRAFT_ONLY, editor=ALWAYS,
        check=lambda w: exists(Claim, text="A new claim.", incident=w.incident)),
    Row("admin/cases/claim/<path:object_id>/change/", "claimant",
        post_form(CLAIM, lambda w: w.claim, {"claimant": "BBC", "correction_reason": REASON}),
        researcher=DRAFT_ONLY, editor=ALWAYS,
        check=lambda w: Claim.objects.get(pk=w.claim.pk).claimant == "BBC"),
    Row("admin/cases/claim/<path:object_id>/change/", "status",
        post_form(CLAIM, lambda w: w.claim, {
            "status": "disputed", "rationale": "A denial with evidence.",
            "methods": ["corroboration"], "correction_reason": REASON}),
        researcher=NEVER, editor=ALWAYS,
        check=lambda w: Claim.objects.get(pk=w.claim.pk).status == "disputed"
        and exists(ClaimStatusChange, claim=w.claim, to_status="disputed"),
        corrects=False),
    Row("admin/cases/claim/<path:object_id>/change/", "move to another incident",
        post_form(CLAIM, lambda w: w.claim,
                  lambda w: {"incident": str(w.other.pk), "correction_reason": REASON}),
        researcher=DRAFT_ONLY, editor=DRAFT_ONLY,
        check=lambda w: Claim.objects.get(pk=w.claim.pk).incident_id == w.other.pk),
    Row("admin/cases/claim/<path:object_id>/delete/", "delete",
        post_delete(CLAIM, lambda w: w.claim),
        researcher=NEVER, editor=NEVER),
    Row("admin/cases/claim/<path:object_id>/delete/", "delete, never assessed",
        post_delete(CLAIM, lambda w: w.extra["fresh claim"]),
        researcher=DRAFT_ONLY, editor=ALWAYS, setup=fresh_claim,
        check=lambda w: not exists(Claim, pk=w.extra["fresh claim"].pk)),
    Row("admin/cases/claim/<arg>/history/<arg>/", "post the first version back",
        post_history(CLAIM, lambda w: w.claim,
                     {"status": "partially_verified", "text": "Rewritten."}),
        researcher=NEVER, editor=NEVER),
    # --- sources --------------------------------------------------------------------------------
    Row("admin/sources/source/", "bulk delete",
        post_bulk_delete(SOURCE, lambda w: w.press),
        researcher=NEVER, editor=DRAFT_ONLY,
        check=lambda w: not exists(Source, pk=w.press.pk), corrects=False),
    Row("admin/sources/source/add/", "new source with a file released at once",
        post_form(SOURCE, None, lambda w: {
            "kind": "news_article", "title": "A new source", "url": "https://example.org/new",
            "files-TOTAL_FORMS": "1", "files-0-upload": SimpleUploadedFile("f.png", PNG),
            "files-0-is_restricted": ""}, page="add"),
        researcher=NEVER, editor=ALWAYS,
        check=lambda w: exists(SourceFile, source__title="A new source", is_restricted=False),
        visible=False, corrects=False),
    Row("admin/sources/source/<path:object_id>/change/", "title",
        post_form(SOURCE, lambda w: w.source,
                  {"title": "A forged transcript", "correction_reason": REASON}),
        researcher=DRAFT_ONLY, editor=ALWAYS,
        check=lambda w: Source.objects.get(pk=w.source.pk).title == "A forged transcript"),
    Row("admin/sources/source/<path:object_id>/change/", "upload a restricted file",
        post_form(SOURCE, lambda w: w.source,
                  lambda w: {"files-1-upload": SimpleUploadedFile("frame.png", PNG)}),
        researcher=ALWAYS, editor=ALWAYS,
        check=lambda w: exists(SourceFile, source=w.source, original_name="frame.png",
                               is_restricted=True),
        visible=False),
    Row("admin/sources/source/<path:object_id>/change/", "release the kept file",
        post_form(SOURCE, lambda w: w.source, {
            "files-0-is_restricted": "", "files-0-is_graphic": "",
            "correction_reason": REASON}),
        researcher=NEVER, editor=ALWAYS,
        check=lambda w: not SourceFile.objects.get(pk=w.kept.pk).is_restricted
        and exists(FileCustodyEvent, source_file=w.kept, action="released"),
        corrects=False),
    Row("admin/sources/source/<path:object_id>/delete/", "delete",
        post_delete(SOURCE, lambda w: w.press),
        researcher=NEVER, editor=DRAFT_ONLY,
        check=lambda w: not exists(Source, pk=w.press.pk), corrects=False),
    Row("admin/sources/source/<arg>/history/<arg>/", "post the first version back",
        post_history(SOURCE, lambda w: w.source, {"title": "Rewritten"}),
        researcher=NEVER, editor=NEVER),
    # --- kept files: added on their source's page, never deleted --------------------------------
    Row("admin/sources/sourcefile/", "bulk delete",
        post_bulk_delete(FILE, lambda w: w.kept), researcher=NEVER, editor=NEVER),
    Row("admin/sources/sourcefile/add/", "add",
        post_data(lambda w: "/admin/sources/sourcefile/add/", lambda w: {
            "source": w.source.pk, "is_restricted": "", "is_graphic": ""}),
        researcher=NEVER, editor=NEVER),
    Row("admin/sources/sourcefile/<path:object_id>/change/", "release",
        post_form(FILE, lambda w: w.kept, {
            "is_restricted": "", "is_graphic": "", "correction_reason": REASON}),
        researcher=NEVER, editor=ALWAYS,
        check=lambda w: not SourceFile.objects.get(pk=w.kept.pk).is_restricted
        and exists(FileCustodyEvent, source_file=w.kept, action="released"),
        corrects=False),
    Row("admin/sources/sourcefile/<path:object_id>/change/", "internal notes",
        post_form(FILE, lambda w: w.kept, {"notes": "Checked against the original."}),
        researcher=ALWAYS, editor=ALWAYS,
        check=lambda w: exists(FileCustodyEvent, source_file=w.kept, action="notes_changed"),
        visible=False, corrects=False),
    Row("admin/sources/sourcefile/<path:object_id>/delete/", "delete",
        post_delete(FILE, lambda w: w.kept), researcher=NEVER, editor=NEVER),
    # --- statements and their figures -----------------------------------------------------------
    Row("admin/sources/officialstatement/", "bulk delete",
        post_bulk_delete(STATEMENT, lambda w: w.statement),
        researcher=NEVER, editor=DRAFT_ONLY,
        check=lambda w: not exists(OfficialStatement, pk=w.statement.pk), corrects=False),
    Row("admin/sources/officialstatement/add/", "new statement",
        post_form(STATEMENT, None, {
            "speaker": "A new speaker", "stated_on": "2025-05-05", "quote": "A new quote.",
            "stance": "investigates"}, page="add"),
        researcher=ALWAYS, editor=ALWAYS,
        check=lambda w: exists(OfficialStatement, speaker="A new speaker"),
        visible=False),
    Row("admin/sources/officialstatement/<path:object_id>/change/", "speaker",
        post_form(STATEMENT, lambda w: w.statement,
                  {"speaker": "Deputy Prosecutor General", "correction_reason": REASON}),
        researcher=DRAFT_ONLY, editor=ALWAYS,
        check=lambda w: OfficialStatement.objects.get(pk=w.statement.pk).speaker.startswith(
            "Deputy")),
    Row("admin/sources/officialstatement/<path:object_id>/change/", "delete a figure",
        post_form(STATEMENT, lambda w: w.statement,
                  {"figures-0-DELETE": "on", "correction_reason": REASON}),
        researcher=DRAFT_ONLY, editor=ALWAYS,
        check=lambda w: not exists(ReportedFigure, pk=w.figure.pk)),
    Row("admin/sources/officialstatement/<path:object_id>/delete/", "delete",
        post_delete(STATEMENT, lambda w: w.statement),
        researcher=NEVER, editor=DRAFT_ONLY,
        check=lambda w: not exists(OfficialStatement, pk=w.statement.pk), corrects=False),
    Row("admin/sources/officialstatement/<arg>/history/<arg>/", "post the first version back",
        post_history(STATEMENT, lambda w: w.statement, {"speaker": "Rewritten"}),
        researcher=NEVER, editor=NEVER),
    Row("admin/sources/reportedfigure/", "bulk delete",
        post_bulk_delete(FIGURE, lambda w: w.figure),
        researcher=DRAFT_ONLY, editor=ALWAYS,
        check=lambda w: not exists(ReportedFigure, pk=w.figure.pk)),
    Row("admin/sources/reportedfigure/add/", "add a figure",
        post_form(FIGURE, None, lambda w: {
            "statement": str(w.statement.pk), "metric": "victims identified", "value": "12",
            "as_of": "2025-05-05", "correction_reason": REASON}, page="add"),
        researcher=DRAFT_ONLY, editor=ALWAYS,
        check=lambda w: exists(ReportedFigure, metric="victims identified")),
    Row("admin/sources/reportedfigure/<path:object_id>/change/", "value",
        post_form(FIGURE, lambda w: w.figure, {"value": "7500", "correction_reason": REASON}),
        researcher=DRAFT_ONLY, editor=ALWAYS,
        check=lambda w: ReportedFigure.objects.get(pk=w.figure.pk).value == 7500),
    Row("admin/sources/reportedfigure/<path:object_id>/delete/", "delete",
        post_delete(FIGURE, lambda w: w.figure),
        researcher=DRAFT_ONLY, editor=ALWAYS,
        check=lambda w: not exists(ReportedFigure, pk=w.figure.pk)),
    Row("admin/sources/reportedfigure/<arg>/history/<arg>/", "post the first version back",
        post_history(FIGURE, lambda w: w.figure, {"value": "1"}),
        researcher=NEVER, editor=NEVER),
    # --- the review queue -----------------------------------------------------------------------
    Row("en/review/claims/<int:pk>/", "dispute",
        post_data(lambda w: f"/en/review/claims/{w.claim.pk}/", lambda w: {
            f"claim-{w.claim.pk}-status": "disputed",
            f"claim-{w.claim.pk}-methods": ["corroboration"],
            f"claim-{w.claim.pk}-rationale": "A denial with evidence.",
            f"claim-{w.claim.pk}-loaded_version": w.claim.version}),
        researcher=NEVER, editor=ALWAYS,
        check=lambda w: exists(ClaimStatusChange, claim=w.claim, to_status="disputed"),
        corrects=False),
    Row("en/review/incidents/<int:pk>/", "publish",
        post_data(lambda w: f"/en/review/incidents/{w.incident.pk}/", lambda w: {
            f"incident-{w.incident.pk}-action": "publish",
            f"incident-{w.incident.pk}-note": "",
            f"incident-{w.incident.pk}-loaded_version": incident(w).version}),
        researcher=NEVER, editor=DRAFT_ONLY,
        check=became("published", "publish"), corrects=False),
    Row("en/review/proposals/<int:pk>/", "decline",
        post_data(lambda w: f"/en/review/proposals/{w.proposal.pk}/", lambda w: {
            f"proposal-{w.proposal.pk}-decision": "decline",
            f"proposal-{w.proposal.pk}-note": "Not supported by the report."}),
        researcher=NEVER, editor=ALWAYS,
        check=lambda w: CorrectionProposal.objects.get(pk=w.proposal.pk).status == "declined",
        visible=False, corrects=False),
]
# fmt: on


def every_permission() -> list[str]:
    return [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]


def read_only_admin(model: str, target: Callable[[World], object], add: dict, change: dict):
    """Rows for a model nobody but a superuser (or nobody at all) writes through the admin."""
    return [
        Row(f"admin/{model}/", "bulk delete", post_bulk_delete(model, target), NEVER, NEVER),
        Row(
            f"admin/{model}/add/",
            "add",
            post_data(lambda w: f"/admin/{model}/add/", lambda w: add(w) if callable(add) else add),
            NEVER,
            NEVER,
        ),
        Row(
            f"admin/{model}/<path:object_id>/change/",
            "change",
            post_form(model, target, change),
            NEVER,
            NEVER,
        ),
        Row(
            f"admin/{model}/<path:object_id>/delete/",
            "delete",
            post_delete(model, target),
            NEVER,
            NEVER,
        ),
    ]


# Audit records are written only by the services; accounts, roles and lockouts by superusers.
ROWS += [
    *read_only_admin(
        "cases/claimstatuschange",
        lambda w: w.status_change,
        lambda w: {"claim": w.claim.pk, "from_status": "unverified", "to_status": "verified"},
        {"to_status": "false", "rationale": "Rewritten."},
    ),
    *read_only_admin(
        "cases/publicationevent",
        lambda w: w.event,
        lambda w: {"incident": w.incident.pk, "action": "publish"},
        {"note": "Rewritten.", "action": "unpublish"},
    ),
    *read_only_admin(
        "cases/correction",
        lambda w: w.correction,
        lambda w: {"incident": w.incident.pk, "record": "Forged", "reason": "Forged."},
        {"reason": "Rewritten."},
    ),
    *read_only_admin(
        "cases/correctionproposal",
        lambda w: w.proposal,
        lambda w: {"incident": w.incident.pk, "what": "Forged", "why": "Forged."},
        {"status": "accepted", "what": "Rewritten."},
    ),
    *read_only_admin(
        "sources/filecustodyevent",
        lambda w: w.custody,
        lambda w: {"source_file": w.kept.pk, "action": "released"},
        {"detail": "Rewritten."},
    ),
    *read_only_admin(
        "auth/group",
        lambda w: Group.objects.get(name=RESEARCHERS),
        lambda w: {"name": "Moles", "permissions": every_permission()},
        lambda w: {"permissions": every_permission()},
    ),
    *read_only_admin(
        "accounts/user",
        lambda w: w.researcher,
        {"username": "mole", "password1": "a long pass phrase", "password2": "a long pass phrase"},
        lambda w: {"is_superuser": "on", "groups": [str(Group.objects.get(name=EDITORS).pk)]},
    ),
    *read_only_admin(
        "axes/accessattempt", lambda w: w.attempt, {"username": "x"}, {"failures_since_start": "0"}
    ),
    *read_only_admin("axes/accesslog", lambda w: w.access_log, {"username": "x"}, {}),
    *read_only_admin("axes/accessfailurelog", lambda w: w.failure_log, {"username": "x"}, {}),
    # issue 20: the access log is read-only; a person's security page is for superusers only.
    *read_only_admin(
        "accounts/accessevent",
        lambda w: w.extra["access_event"],
        {"action": "export", "username": "forged"},
        {"username": "rewritten"},
    ),
    *read_only_admin(
        "cases/allegedvictim",
        lambda w: w.victim,
        lambda w: {"incident": w.incident.pk, "name": "Forged"},
        {"name": "Rewritten", "notes": "Rewritten."},
    ),
    Row(
        "admin/accounts/user/<int:object_id>/security/",
        "suspend a colleague, sign them out everywhere",
        post_data(
            lambda w: reverse(
                "admin:accounts_user_security",
                args=[(w.researcher if w.role == "editor" else w.editor).pk],
            ),
            lambda w: {"action": "suspend", "suspend-access": "no_access", "suspend-reason": "x"},
        ),
        NEVER,
        NEVER,
    ),
    Row(
        "admin/accounts/user/<id>/password/",
        "set an editor's password",
        post_data(
            lambda w: f"/admin/accounts/user/{w.editor.pk}/password/",
            lambda w: {"password1": "a long pass phrase", "password2": "a long pass phrase"},
        ),
        NEVER,
        NEVER,
    ),
]


# issue 16: captures of cited pages and background jobs. Queuing a capture is open to whoever
# may change sources, on any incident: it adds a restricted file readers never see until an
# editor releases it, so readers see no change and no correction is owed.
def with_failed_capture(world):
    world.extra["capture"] = SourceCapture.objects.create(
        source=world.source,
        url=world.source.url,
        state="failed",
        failure="http_404",
        reason="404 Not Found",
    )


def with_job(world):
    world.extra["job"] = Job.objects.create(kind="sources.capture", label="A capture")


def captures_of(world) -> int:
    return SourceCapture.objects.filter(source=world.source, state="queued").count()


def admin_action(model: str, action: str, targets: Callable[[World], list]):
    def post(world, client):
        return client.post(
            f"/admin/{model}/",
            {"action": action, "_selected_action": [obj.pk for obj in targets(world)]},
        )

    return post


# issue 18: legal texts (editors add and amend, nobody deletes) and an incident's legal mapping
# (the provisions that may apply and the claims linked to their elements: the same policy as the
# incident's claims). The world's incident gets rs-8-2-b-vi with the claim linked to element 1.
LAW_PROVISION = "law/provision"
LAW_MAPPING = "law/incidentprovision"


def law_mapping(world):
    from law.loading import ensure_provisions
    from law.models import ClaimElement, IncidentProvision, Provision

    ensure_provisions()
    provision = Provision.objects.get(code="rs-8-2-b-vi")
    chosen = IncidentProvision.objects.create(
        incident=world.incident, provision=provision, liability="perpetration"
    )
    ClaimElement.objects.create(
        incident_provision=chosen, element=provision.elements.get(number=1), claim=world.claim
    )
    world.extra["chosen"] = chosen
    world.extra["provision"] = provision


def law_mapping_and_another_claim(world):
    law_mapping(world)
    world.extra["elsewhere"] = ClaimFactory(incident=world.other, text="Another incident's.")


def law_chosen(world):
    from law.models import IncidentProvision

    return IncidentProvision.objects.filter(pk=world.extra["chosen"].pk).first()


def law_links(world, **lookups):
    from law.models import ClaimElement

    return ClaimElement.objects.filter(incident_provision=world.extra["chosen"], **lookups)


def law_provision(code):
    from law.models import Provision

    return Provision.objects.get(code=code)


# fmt: off
ROWS += [
    Row("admin/sources/source/<int:pk>/capture/", "capture the URL now",
        post_data(lambda w: f"/admin/sources/source/{w.source.pk}/capture/", lambda w: {}),
        ALWAYS, ALWAYS, check=lambda w: captures_of(w) == 1, visible=False, corrects=False),
    Row(f"admin/{SOURCE}/", "bulk capture",
        admin_action(SOURCE, "capture_selected", lambda w: [w.source, w.press]),
        ALWAYS, ALWAYS, check=lambda w: captures_of(w) == 1, visible=False, corrects=False),
    Row("admin/sources/sourcecapture/", "retry failed captures",
        admin_action("sources/sourcecapture", "retry_selected", lambda w: [w.extra["capture"]]),
        ALWAYS, ALWAYS, check=lambda w: captures_of(w) == 1, visible=False, corrects=False,
        setup=with_failed_capture),
    *[
        dataclasses.replace(row, setup=with_failed_capture)
        for row in read_only_admin(
            "sources/sourcecapture",
            lambda w: w.extra["capture"],
            lambda w: {"source": w.source.pk, "url": "https://forged.example/", "state": "done"},
            {"reason": "Rewritten.", "state": "done"},
        )
    ],
    *[
        dataclasses.replace(row, setup=with_job)
        for row in read_only_admin(
            "jobs/job",
            lambda w: w.extra["job"],
            {"kind": "sources.capture", "state": "done"},
            {"state": "done", "reason": "Rewritten."},
        )
    ],
    Row(f"admin/{LAW_PROVISION}/", "bulk delete",
        post_bulk_delete(LAW_PROVISION, lambda w: w.extra["provision"]),
        researcher=NEVER, editor=NEVER, setup=law_mapping),
    Row(f"admin/{LAW_PROVISION}/add/", "new provision",
        post_form(LAW_PROVISION, None, {
            "code": "rs-8-2-b-xi", "instrument": "rome_statute", "article": "8(2)(b)(xi)",
            "title": "War crime of treacherously killing or wounding",
            "text": "Killing or wounding treacherously individuals belonging to the hostile "
                    "nation or army;", "conflict_type": "international",
            "source_title": "Rome Statute", "source_url": "https://www.icc-cpi.int/"}, page="add"),
        researcher=NEVER, editor=ALWAYS,
        check=lambda w: law_provision("rs-8-2-b-xi").elements.count() == 0,
        visible=False, corrects=False),
    # Amending a legal text changes what incident pages quote; it is the law's text, not our
    # record, so it is history-tracked but no correction (docs/decisions/0012).
    Row(f"admin/{LAW_PROVISION}/<path:object_id>/change/", "amend the title",
        post_form(LAW_PROVISION, lambda w: w.extra["provision"],
                  {"title": "War crime of killing a person hors de combat (amended)"}),
        researcher=NEVER, editor=ALWAYS, setup=law_mapping,
        check=lambda w: law_provision("rs-8-2-b-vi").title.endswith("(amended)"),
        corrects=False),
    Row(f"admin/{LAW_PROVISION}/<path:object_id>/change/", "change the stable code",
        post_form(LAW_PROVISION, lambda w: w.extra["provision"], {"code": "renamed"}),
        researcher=NEVER, editor=NEVER, setup=law_mapping),
    Row(f"admin/{LAW_PROVISION}/<path:object_id>/change/", "delete an element",
        post_form(LAW_PROVISION, lambda w: w.extra["provision"], {"elements-0-DELETE": "on"}),
        researcher=NEVER, editor=NEVER, setup=law_mapping),
    Row(f"admin/{LAW_PROVISION}/<path:object_id>/delete/", "delete",
        post_delete(LAW_PROVISION, lambda w: w.extra["provision"]),
        researcher=NEVER, editor=NEVER, setup=law_mapping),
    Row(f"admin/{LAW_PROVISION}/<arg>/history/<arg>/", "post the first version back",
        post_history(LAW_PROVISION, lambda w: w.extra["provision"], {"title": "Rewritten"}),
        researcher=NEVER, editor=NEVER, setup=law_mapping),
    Row(f"admin/{LAW_MAPPING}/", "bulk delete",
        post_bulk_delete(LAW_MAPPING, lambda w: w.extra["chosen"]),
        researcher=DRAFT_ONLY, editor=ALWAYS, setup=law_mapping,
        check=lambda w: law_chosen(w) is None),
    Row(f"admin/{LAW_MAPPING}/add/", "choose a provision that may apply",
        post_form(LAW_MAPPING, None, lambda w: {
            "incident": str(w.incident.pk), "provision": str(law_provision("rs-8-2-a-i").pk),
            "liability": "ordering", "correction_reason": REASON}, page="add"),
        researcher=DRAFT_ONLY, editor=ALWAYS,
        check=lambda w: incident(w).legal_provisions.filter(
            provision__code="rs-8-2-a-i", liability="ordering").exists()),
    Row(f"admin/{LAW_MAPPING}/<path:object_id>/change/", "alleged mode of liability",
        post_form(LAW_MAPPING, lambda w: w.extra["chosen"],
                  {"liability": "command", "correction_reason": REASON}),
        researcher=DRAFT_ONLY, editor=ALWAYS, setup=law_mapping,
        check=lambda w: law_chosen(w).liability == "command"),
    Row(f"admin/{LAW_MAPPING}/<path:object_id>/change/", "liability without a reason",
        post_form(LAW_MAPPING, lambda w: w.extra["chosen"], {"liability": "command"}),
        researcher=DRAFT_ONLY, editor=DRAFT_ONLY, setup=law_mapping,
        check=lambda w: law_chosen(w).liability == "command"),
    Row(f"admin/{LAW_MAPPING}/<path:object_id>/change/", "link a claim to element 2",
        post_form(LAW_MAPPING, lambda w: w.extra["chosen"], lambda w: {
            "links-1-element": str(w.extra["provision"].elements.get(number=2).pk),
            "links-1-claim": str(w.claim.pk), "correction_reason": REASON}),
        researcher=DRAFT_ONLY, editor=ALWAYS, setup=law_mapping,
        check=lambda w: law_links(w, element__number=2, claim=w.claim).exists()),
    Row(f"admin/{LAW_MAPPING}/<path:object_id>/change/", "link another incident's claim",
        post_form(LAW_MAPPING, lambda w: w.extra["chosen"], lambda w: {
            "links-1-element": str(w.extra["provision"].elements.get(number=2).pk),
            "links-1-claim": str(w.extra["elsewhere"].pk),
            "correction_reason": REASON}),
        researcher=NEVER, editor=NEVER, setup=law_mapping_and_another_claim),
    Row(f"admin/{LAW_MAPPING}/<path:object_id>/change/", "unlink a claim",
        post_form(LAW_MAPPING, lambda w: w.extra["chosen"],
                  {"links-0-DELETE": "on", "correction_reason": REASON}),
        researcher=DRAFT_ONLY, editor=ALWAYS, setup=law_mapping,
        check=lambda w: not law_links(w).exists()),
    Row(f"admin/{LAW_MAPPING}/<path:object_id>/delete/", "withdraw the provision",
        post_delete(LAW_MAPPING, lambda w: w.extra["chosen"]),
        researcher=DRAFT_ONLY, editor=ALWAYS, setup=law_mapping,
        check=lambda w: law_chosen(w) is None),
    Row(f"admin/{LAW_MAPPING}/<arg>/history/<arg>/", "post the first version back",
        post_history(LAW_MAPPING, lambda w: w.extra["chosen"], {"liability": "command"}),
        researcher=NEVER, editor=NEVER, setup=law_mapping),
]
# fmt: on


# issue 19: the write API (token holders; drafts and proposals only) and the API-token admin.
def with_token(world):
    """An API token of the acting user with every scope, used "just now" (so that its use in
    the row writes nothing of its own), and a second one to revoke."""
    from django.utils import timezone as tz

    from apikeys.models import ApiToken, Scope
    from apikeys.services import token_create

    user = world.researcher if world.role == "researcher" else world.editor
    token, key = token_create(by=user, user=user, name="matrix bot", scopes=list(Scope.values))
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=tz.now())
    world.extra["key"] = key
    world.extra["token"] = token


def post_api(url: Callable[[World], str], body: Callable[[World], dict], *, multipart=False):
    def post(world, client):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {world.extra['key']}"}
        if multipart:
            return Client().post(url(world), body(world), **headers)
        return Client().post(url(world), body(world), content_type="application/json", **headers)

    return post


def _token_revoked(world):
    from apikeys.models import ApiToken

    return ApiToken.objects.filter(pk=world.extra["token"].pk, revoked_at__isnull=False).exists()


ROWS += [
    Row(
        "api/v1/write/incidents/",
        "create a draft with a claim and a source",
        post_api(
            lambda w: "/api/v1/write/incidents/",
            lambda w: {
                "title": "Matrix draft",
                "occurred_from": "2024-11-01",
                "category": Category.POW_EXECUTION.value,
                "claims": [{"text": "A matrix claim."}],
                "sources": [{"kind": "other", "title": "M", "url": "https://example.org/m"}],
            },
        ),
        ALWAYS,
        ALWAYS,
        check=lambda w: exists(Incident, title="Matrix draft", status="draft"),
        visible=False,
        corrects=False,
        setup=with_token,
    ),
    Row(
        "api/v1/write/incidents/<int:pk>/sources/",
        "cite a new source",
        post_api(
            lambda w: f"/api/v1/write/incidents/{w.incident.pk}/sources/",
            lambda w: {"kind": "other", "title": "New", "url": "https://example.org/matrix"},
        ),
        DRAFT_ONLY,
        DRAFT_ONLY,
        check=lambda w: exists(Source, incidents=w.incident, url="https://example.org/matrix"),
        setup=with_token,
    ),
    Row(
        "api/v1/write/incidents/<int:pk>/files/",
        "add a file to a cited source",
        post_api(
            lambda w: f"/api/v1/write/incidents/{w.incident.pk}/files/",
            lambda w: {
                "source": w.source.pk,
                "file": SimpleUploadedFile("m.png", PNG + b"matrix"),
            },
            multipart=True,
        ),
        DRAFT_ONLY,
        DRAFT_ONLY,
        check=lambda w: SourceFile.objects.filter(source=w.source).count() == 2,
        setup=with_token,
    ),
    Row(
        "api/v1/write/incidents/<int:pk>/corrections/",
        "propose a correction",
        post_api(
            lambda w: f"/api/v1/write/incidents/{w.incident.pk}/corrections/",
            lambda w: {"what": "The date.", "why": "Matrix."},
        ),
        (R, A, A),
        (R, A, A),
        check=lambda w: exists(CorrectionProposal, incident=w.incident, why="Matrix."),
        visible=False,
        corrects=False,
        setup=with_token,
    ),
    Row(
        "admin/apikeys/apitoken/add/",
        "make an API token",
        post_data(
            lambda w: "/admin/apikeys/apitoken/add/",
            lambda w: {"name": "matrix token", "scopes": ["drafts"]},
        ),
        ALWAYS,
        ALWAYS,
        check=lambda w: (
            w.incident is not None
            and apps.get_model("apikeys", "ApiToken").objects.filter(name="matrix token").exists()
        ),
        visible=False,
        corrects=False,
    ),
    Row(
        "admin/apikeys/apitoken/",
        "revoke one's own token",
        post_data(
            lambda w: "/admin/apikeys/apitoken/",
            lambda w: {"action": "revoke", "_selected_action": [w.extra["token"].pk]},
        ),
        ALWAYS,
        ALWAYS,
        check=_token_revoked,
        visible=False,
        corrects=False,
        setup=with_token,
    ),
    Row(
        "admin/apikeys/apitoken/<path:object_id>/change/",
        "change a token",
        post_data(
            lambda w: f"/admin/apikeys/apitoken/{w.extra['token'].pk}/change/",
            lambda w: {"name": "renamed", "scopes": ["drafts", "files", "corrections"]},
        ),
        NEVER,
        NEVER,
        setup=with_token,
    ),
    Row(
        "admin/apikeys/apitoken/<path:object_id>/delete/",
        "delete a token",
        post_data(
            lambda w: f"/admin/apikeys/apitoken/{w.extra['token'].pk}/delete/",
            lambda w: {"post": "yes"},
        ),
        NEVER,
        NEVER,
        setup=with_token,
    ),
]


# issue 19: bulk edits on the incident list (preview, then apply; through the services)
def post_bulk(action: str, fields: dict):
    def post(world, client):
        return client.post(
            "/admin/cases/incident/",
            {
                "action": action,
                "_selected_action": [world.incident.pk],
                "bulk_step": "apply",
                **fields,
            },
        )

    return post


ROWS += [
    Row(
        "admin/cases/incident/",
        "bulk: set the category",
        post_bulk("bulk_set_category", {"value": Category.TORTURE.value}),
        DRAFT_ONLY,
        DRAFT_ONLY,
        check=lambda w: incident(w).category == Category.TORTURE,
    ),
    Row(
        "admin/cases/incident/",
        "bulk: set the oblast",
        post_bulk("bulk_set_oblast", {"value": "odesa"}),
        DRAFT_ONLY,
        DRAFT_ONLY,
        check=lambda w: incident(w).oblast == "odesa",
    ),
    Row(
        "admin/cases/incident/",
        "bulk: submit for review",
        post_bulk("bulk_submit", {"note": "Matrix batch."}),
        DRAFT_ONLY,
        DRAFT_ONLY,
        check=lambda w: incident(w).status == Incident.Status.IN_REVIEW,
        corrects=False,
    ),
    Row(
        "admin/cases/incident/",
        "bulk: cite a source",
        post_bulk(
            "bulk_add_source",
            {"url": "https://example.org/bulk", "kind": "other", "correction_reason": REASON},
        ),
        DRAFT_ONLY,
        ALWAYS,
        check=lambda w: exists(Source, incidents=w.incident, url="https://example.org/bulk"),
    ),
]


# Patterns that take no POST that writes, each with why.
READ_ONLY = "reads only: public pages, data out and feeds have no POST handler that writes"
ADMIN_MODELS = [
    "accounts/accessevent",  # issue 20
    "cases/allegedvictim",  # issue 20
    "auth/group",
    "axes/accessattempt",
    "axes/accesslog",
    "axes/accessfailurelog",
    "accounts/user",
    "cases/incident",
    "cases/claim",
    "cases/claimstatuschange",
    "cases/publicationevent",
    "cases/correction",
    "cases/correctionproposal",
    "sources/source",
    "sources/sourcefile",
    "sources/filecustodyevent",
    "apikeys/apitoken",  # issue 19
    "sources/officialstatement",
    "sources/reportedfigure",
    "jobs/job",  # issue 16
    "law/provision",
    "sources/sourcecapture",  # issue 16
    "law/incidentprovision",
]
DOES_NOT_WRITE: dict[str, str] = {
    "health/": "a health check; reads only",
    "admin/": "the admin index; a list of links",
    "admin/login/": "signs in; writes only the session and the lockout log",
    "admin/logout/": "signs out; writes only the session",
    "admin/password_change/": "one's own password: an account page, not a record",
    "admin/password_change/done/": "a confirmation page",
    "admin/autocomplete/": "answers searches for the autocomplete widgets; reads only",
    "admin/jsi18n/": "the admin's JavaScript translations",
    "admin/r/<path:content_type_id>/<path:object_id>/": "redirects to a record's public page",
    "admin/<app_label>/": "an app's index; a list of links",
    "admin/<url>": "the admin's catch-all: a redirect or a 404",
    "_nested_admin/server-data.js": "django-nested-admin's script data",
    "en/review/": "the review queue page; its decisions post to review/<kind>/<pk>/",
    "en/verify-file/": "checks a SHA-256 given in the query string; reads only",
    # issue 14: the map, its data, the timeline, the official figures and the PDF dossier read
    # public records only
    "en/incidents/map/": "the map of the filtered list; reads only",
    "en/incidents/map.json": "the map's data; reads only",
    "en/incidents/timeline/": "the timeline of the filtered list; reads only",
    "en/figures/": "official figures beside documented incidents; reads only",
    "en/figures/series.csv": "the figures as CSV; reads only",
    "en/incidents/<slug:slug>/dossier.pdf": "a public incident as PDF; reads only",
    # issue 16
    "admin/cases/incident/import/jobs/<int:pk>/": "an import job's progress and report; reads only",
    # issue 20: one's own second factor and sessions, like password_change
    # (tests/test_two_factor.py and tests/test_sessions.py assert what they write).
    **dict.fromkeys(
        [
            "account/two-factor/",
            "account/two-factor/setup/",
            "account/two-factor/verify/",
            "account/two-factor/backup-codes/",
            "account/sessions/",
        ],
        "one's own second factor or sessions: an account page, not a record",
    ),
    **{
        f"admin/{model}/<path:object_id>/history/": "the list of versions; no form"
        for model in ADMIN_MODELS
    },
    **{
        f"admin/{model}/<path:object_id>/": "redirects to the change page" for model in ADMIN_MODELS
    },
    **dict.fromkeys(
        [
            "en/",
            "en/incidents/",
            "en/incidents/<slug:slug>/",
            "incidents/export.csv",
            "incidents/export.json",
            "incidents/export.geojson",
            "en/about/verification/",
            "robots.txt",
            "en/sources/<int:pk>/",
            "en/statements/<int:pk>/",
            "en/files/<int:pk>/download/",
            "en/files/<int:pk>/warning/",
            "feeds/incidents.atom",
            "feeds/claims.atom",
            "sitemap.xml",
            "en/law/",
            "en/law/<slug:code>/",
        ],
        READ_ONLY,
    ),
    **dict.fromkeys(
        [
            "api/v1/",
            "api/v1/<drf_format_suffix:format>",
            "api/v1/schema/",
            "api/v1/docs/",
            *[
                f"api/v1/{kind}{tail}"
                for kind in ("incidents", "claims", "sources", "statements")
                for tail in ("/", ".<format>/?")
            ],
            "api/v1/incidents/<slug>/",
            "api/v1/incidents/<slug>.<format>/?",
            *[
                f"api/v1/{kind}/<pk>{tail}"
                for kind in ("claims", "sources", "statements")
                for tail in ("/", ".<format>/?")
            ],
        ],
        "the API is read-only (ReadOnlyModelViewSet): a POST is 405",
    ),
    # issue 17: the transparency log is written only by the services' hooks (cases.transparency,
    # sources.transparency); its pages and proofs are GET/HEAD only (require_safe: a POST is 405).
    **dict.fromkeys(
        [
            "transparency/",
            "transparency/tree-head.json",
            "transparency/entries.json",
            "transparency/entries/<int:index>/",
            "transparency/entries/<int:index>.json",
            "transparency/proof/inclusion.json",
            "transparency/proof/consistency.json",
            "transparency/incidents/<int:pk>/history.json",
        ],
        "the transparency log's pages and proofs read only (require_safe: a POST is 405)",
    ),
    "incidents/<slug:slug>/evidence-package.zip": (
        "issue 17: GET only (a POST is 405); an editor's full package writes only 'exported' "
        "custody events, through sources.services.source_file_record_export"
    ),
}


# --- the tests ----------------------------------------------------------------------------------


def test_every_writing_pattern_has_a_row():
    routes = list(walk_patterns())
    covered = {row.pattern for row in ROWS}
    missing = [r for r in routes if r not in covered and r not in DOES_NOT_WRITE]
    assert not missing, (
        "URL patterns with neither a row in ROWS nor a line in DOES_NOT_WRITE:\n"
        + "\n".join(missing)
    )
    stale = sorted((covered | set(DOES_NOT_WRITE)) - set(routes))
    assert not stale, "Rows for URL patterns that no longer exist:\n" + "\n".join(stale)
    both = sorted(covered & set(DOES_NOT_WRITE))
    assert not both, "Patterns both in ROWS and in DOES_NOT_WRITE:\n" + "\n".join(both)


# Rows that fail on today's code, each a refusal the policy does not ask for (so not a hole):
# marked strict, so that the fix makes them fail until the mark is removed.
KNOWN_DEFECTS: dict[tuple[str, str, str], str] = {}


def case(row: Row, role: str, state: str):
    defect = KNOWN_DEFECTS.get((row.pattern, role, state))
    marks = [pytest.mark.xfail(strict=True, reason=defect)] if defect else []
    return pytest.param(
        row, role, state, id=f"{row.pattern} {row.what}-{role}-{state}", marks=marks
    )


CASES = [case(row, role, state) for row in ROWS for role in ROLES for state in STATES]


def page_errors(response) -> list[str]:
    """The error messages a page shows (form errors, the admin's error notes and messages)."""
    html = response.content.decode(errors="replace")
    found = re.findall(
        r'class="(?:errorlist|errornote|error)[^"]*"[^>]*>(.*?)</(?:ul|p|li)>', html, re.S
    )
    return [re.sub(r"<[^>]+>|\s+", " ", text).strip()[:300] for text in found] or [html[:500]]


def first_difference(before: bytes, after: bytes) -> str:
    """The first line that differs between two bodies, before → after."""
    for old, new in zip(before.splitlines(), after.splitlines(), strict=False):
        if old != new:
            return f"{old.strip()[:300]!r} → {new.strip()[:300]!r}"
    return f"{len(before)} bytes → {len(after)} bytes"


@pytest.mark.parametrize(("row", "role", "state"), CASES)
def test_write(client, researcher, editor, settings, tmp_path, row, role, state):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
    world = make_world(state, role, researcher, editor)
    client.force_login(world.researcher if role == "researcher" else world.editor)
    expected = dict(zip(STATES, getattr(row, role), strict=True))[state]
    # Sign-ins write (last login, the lockout log): both happen before anything is measured.
    world.admin_client = SecondFactorClient()
    world.admin_client.force_login(world.superuser)
    if row.setup is not None:
        row.setup(world)
    db_before, seen_before = snapshot(), reader_view(world)

    response = row.post(world, client)

    assert response.status_code < 500, response.content.decode()[:2000]
    db_after, seen_after = snapshot(), reader_view(world)
    changed_pages = [
        f"{page} ({seen_before[page][0]} → {seen_after[page][0]}): "
        + first_difference(seen_before[page][1], seen_after[page][1])
        for page in seen_before
        if seen_before[page] != seen_after[page]
    ]
    if expected == R:
        assert db_changes(db_before, db_after) == [], f"answered {response.status_code}"
        assert changed_pages == [], f"readers see a change; answered {response.status_code}"
        return
    assert db_after != db_before, (
        f"nothing changed; answered {response.status_code}: {page_errors(response)}"
    )
    if row.check is not None:
        assert row.check(world), f"not the change asked for: {db_changes(db_before, db_after)}"
    public = world.was_public or public_now(world)
    if row.visible and public:
        assert changed_pages, "an applied change on a public incident that readers cannot see"
    elif row.visible:
        assert changed_pages == [], "readers see a change to a record that is not public"
    else:
        assert changed_pages == [], "readers see a change to what is never shown to them"
    if row.corrects and world.was_public and role == "editor" and row.visible:
        assert Correction.objects.filter(reason=REASON).exists(), "no public correction"
