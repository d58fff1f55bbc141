"""Which cached pages a committed write makes stale, and only those.

Signals catch every write path (services, admin inlines, importer, shell) without each having
to remember the cache. For each write we note, at the time of the write, which records' pages
could show it; after the commit those are narrowed to what readers can see and turned into the
tags of ``public.cache``:

- an incident's own fields, its claims, victims, history and links: the incident's page, the
  listings (home, list, feeds, sitemap) and the pages of its sources and statements, when the
  incident is public (or was, before this write: an unpublication);
- a source's or statement's own fields, figures and files: its page and the public incidents
  that cite it;
- a save that changes no field a reader sees (internal notes, ``version``, who edited) does
  nothing, and neither does any write about a draft: a draft's incident is not public, and a
  source or statement no public record cites has no page a reader could have cached.

A new model shown on a public page goes in ``WATCHED`` with a function naming what it touches.
Bulk writes send no signals: their callers call ``public.cache.invalidate_everything``.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from cases.models import (
    AllegedVictim,
    Claim,
    ClaimEvidence,
    ClaimStatusChange,
    Correction,
    Incident,
    PublicationEvent,
)
from law.models import ClaimElement, Element, IncidentProvision, Provision
from public.cache import (
    FIGURES,
    LISTING,
    PUBLIC_DATA,
    incident_tag,
    invalidate,
    source_tag,
    statement_tag,
)
from sources.models import OfficialStatement, ReportedFigure, Source, SourceFile

logger = logging.getLogger(__name__)

# Fields no reader sees: a save that changes only these leaves every page as it was.
UNSHOWN = {
    "id",
    "version",
    "notes",
    "search_vector",
    "created_at",
    "created_by_id",
    "updated_by_id",
    "status_changed_by_id",
    "identity_decided_by_id",
    "uploaded_by_id",
}
# Shown as a date ("Last updated 3 December 2026"): a save later the same day changes nothing.
SHOWN_AS_DATE = {"updated_at"}
# Marks the values a deleted row had (``before`` of a deletion).
DELETED = "_deleted"


@dataclass
class Touched:
    """Records whose pages may show a write (narrowed to public ones after the commit)."""

    incidents: set[int] = field(default_factory=set)
    sources: set[int] = field(default_factory=set)
    statements: set[int] = field(default_factory=set)
    # Public incidents (before or after the write) and their slugs, old and new.
    were_public: dict[int, set[str]] = field(default_factory=dict)
    # An incident became public or stopped being: its statements (and their figures) did too.
    visibility_changed: bool = False
    # A statement or its figures changed, or which records cite a statement (home, /figures/).
    figures: bool = False
    # A legal text (provision or element) changed: the law pages, which are listings.
    legal_text: bool = False
    # Something the list filters by changed on a record that is not an incident (a source's
    # kind): the listings of the public incidents it touches.
    listing: bool = False


def _claims_incidents(claim_ids) -> set[int]:
    ids = [pk for pk in claim_ids if pk is not None]
    if not ids:
        return set()
    return set(Claim.objects.filter(pk__in=ids).values_list("incident_id", flat=True))


def _incident(obj: Incident, before: dict | None) -> Touched | None:
    was_public = before is not None and before["status"] in Incident.PUBLIC_STATUSES
    if not obj.is_public and not was_public:
        return None  # a draft or an incident in review: no reader has seen it
    touched = Touched(incidents={obj.pk}, visibility_changed=obj.is_public != was_public)
    # Stale even if no longer public (an unpublication), and under its old address if renamed.
    touched.were_public[obj.pk] = {obj.slug} | ({before["slug"]} if before else set())
    return touched


def _with_before(obj, before, *names) -> set:
    values = {getattr(obj, name) for name in names}
    if before:
        values |= {before[name] for name in names}
    return {value for value in values if value is not None}


def _claim(obj: Claim, before) -> Touched:
    statements = _with_before(obj, before, "statement_id")
    # A claim made in a statement can make that statement public, or no longer.
    cites = before is None or before.get(DELETED) or before["statement_id"] != obj.statement_id
    return Touched(
        incidents=_with_before(obj, before, "incident_id"),
        statements=statements,
        figures=bool(statements) and bool(cites),
    )


def _evidence(obj: ClaimEvidence, before) -> Touched:
    return Touched(
        incidents=_claims_incidents(_with_before(obj, before, "claim_id")),
        sources=_with_before(obj, before, "source_id"),
    )


def _status_change(obj: ClaimStatusChange, before) -> Touched:
    return Touched(incidents=_claims_incidents([obj.claim_id]))


def _of_incident(obj, before) -> Touched:
    return Touched(incidents=_with_before(obj, before, "incident_id"))


def _correction(obj: Correction, before) -> Touched:
    return Touched(
        incidents={obj.incident_id} - {None},
        sources={obj.source_id} - {None},
        statements={obj.statement_id} - {None},
        figures=obj.statement_id is not None,
    )


def _source(obj: Source, before) -> Touched:
    # Its kind is a filter of the list (source_kind): the lists filtered by it change too.
    kind_changed = bool(before) and before.get("kind") != obj.kind
    return Touched(sources={obj.pk}, listing=kind_changed)


def _source_file(obj: SourceFile, before) -> Touched:
    return Touched(sources=_with_before(obj, before, "source_id"))


def _statement(obj: OfficialStatement, before) -> Touched:
    return Touched(
        statements={obj.pk},
        sources=_with_before(obj, before, "reported_in_id") - {None},
        figures=True,
    )


def _claim_element(obj: ClaimElement, before) -> Touched:
    # issue 18: a claim linked to a legal element shows on its incident's element table.
    return Touched(incidents=_claims_incidents(_with_before(obj, before, "claim_id")))


def _figure(obj: ReportedFigure, before) -> Touched:
    return Touched(statements=_with_before(obj, before, "statement_id"), figures=True)


def _legal_text(provision_ids) -> Touched:
    # A provision's or element's text shows on /law/ and on every incident mapped to it (its
    # page, and its API representation, kept for FRAGMENT_CACHE_SECONDS).
    mapped = IncidentProvision.objects.filter(provision_id__in=provision_ids)
    return Touched(incidents=set(mapped.values_list("incident_id", flat=True)), legal_text=True)


def _provision(obj: Provision, before) -> Touched:
    return _legal_text({obj.pk})


def _element(obj: Element, before) -> Touched:
    return _legal_text(_with_before(obj, before, "provision_id"))


WATCHED = {
    Incident: _incident,
    Claim: _claim,
    ClaimEvidence: _evidence,
    ClaimStatusChange: _status_change,
    AllegedVictim: _of_incident,
    PublicationEvent: _of_incident,
    Correction: _correction,
    Source: _source,
    SourceFile: _source_file,
    OfficialStatement: _statement,
    ReportedFigure: _figure,
    IncidentProvision: _of_incident,
    ClaimElement: _claim_element,
    Provision: _provision,
    Element: _element,
}


def tags_for(touched: Touched) -> set[str]:
    """The tags of the pages a reader may have seen that show ``touched`` (reads the database)."""
    tags = {incident_tag(slug) for slugs in touched.were_public.values() for slug in slugs}
    tags |= {source_tag(pk) for pk in touched.sources}
    tags |= {statement_tag(pk) for pk in touched.statements}
    incident_ids = set(touched.incidents)
    # A source's or statement's own change shows on the public incidents that cite it.
    if touched.sources:
        incident_ids |= set(
            Source.incidents.through.objects.filter(source_id__in=touched.sources).values_list(
                "incident_id", flat=True
            )
        )
        incident_ids |= set(
            ClaimEvidence.objects.filter(source_id__in=touched.sources).values_list(
                "claim__incident_id", flat=True
            )
        )
        statements = OfficialStatement.objects.filter(reported_in_id__in=touched.sources)
        tags |= {statement_tag(pk) for pk in statements.values_list("pk", flat=True)}
    if touched.statements:
        through = OfficialStatement.incidents.through
        incident_ids |= set(
            through.objects.filter(officialstatement_id__in=touched.statements).values_list(
                "incident_id", flat=True
            )
        )
        incident_ids |= set(
            Claim.objects.filter(statement_id__in=touched.statements).values_list(
                "incident_id", flat=True
            )
        )
    public = dict(Incident.objects.public().filter(pk__in=incident_ids).values_list("pk", "slug"))
    public.update({pk: next(iter(slugs)) for pk, slugs in touched.were_public.items()})
    if touched.legal_text:
        tags.add(LISTING)
    if not public:
        return tags
    tags |= {incident_tag(slug) for slug in public.values()}
    tags.add(PUBLIC_DATA)
    if touched.listing:
        tags.add(LISTING)
    if touched.figures:
        tags.add(FIGURES)  # a public statement or its figures (home, /figures/)
    if touched.incidents & set(public):
        # The incident itself changed (not only a source it cites): the listings show it, and
        # the pages of its sources and statements show its title and claims.
        tags.add(LISTING)
        ids = list(touched.incidents & set(public))
        source_ids = set(
            Source.incidents.through.objects.filter(incident_id__in=ids).values_list(
                "source_id", flat=True
            )
        )
        source_ids |= set(
            ClaimEvidence.objects.filter(claim__incident_id__in=ids).values_list(
                "source_id", flat=True
            )
        )
        statement_ids = set(
            OfficialStatement.incidents.through.objects.filter(incident_id__in=ids).values_list(
                "officialstatement_id", flat=True
            )
        )
        statement_ids |= set(
            Claim.objects.filter(incident_id__in=ids, statement__isnull=False).values_list(
                "statement_id", flat=True
            )
        )
        tags |= {source_tag(pk) for pk in source_ids}
        tags |= {statement_tag(pk) for pk in statement_ids}
        if touched.visibility_changed and statement_ids:
            tags.add(FIGURES)  # its statements' figures appear or go with it
    return tags


def _apply(touched: Touched) -> None:
    # After the commit: a cache outage must not turn a saved write into an error page. The
    # pages it should have invalidated then expire within PUBLIC_PAGE_CACHE_SECONDS.
    try:
        invalidate(*tags_for(touched))
    except Exception:
        logger.exception("Page cache not invalidated after a write (%s).", touched)


def _schedule(touched: Touched | None) -> None:
    if touched is None or not (
        touched.incidents
        or touched.sources
        or touched.statements
        or touched.were_public
        or touched.legal_text
    ):
        return
    transaction.on_commit(lambda: _apply(touched))


def _compared(model) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.attname not in UNSHOWN and f.attname != model._meta.pk.attname
    ]


def _shown(values: dict) -> dict:
    return {
        name: (value.date() if name in SHOWN_AS_DATE and value is not None else value)
        for name, value in values.items()
    }


def _pre_save(sender, instance, raw=False, **kwargs) -> None:
    instance._page_cache_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    before = sender._base_manager.filter(pk=instance.pk).values(*_compared(sender)).first()
    instance._page_cache_before = before


def _post_save(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_page_cache_before", None)
    if before is not None and not created:
        now = {name: getattr(instance, name) for name in before}
        if _shown(now) == _shown(before):
            return  # nothing a reader sees has changed
    _schedule(WATCHED[sender](instance, before))


def _pre_delete(sender, instance, **kwargs) -> None:
    # Worked out before the row goes: afterwards a claim's evidence no longer finds its incident.
    before = {name: getattr(instance, name) for name in _compared(sender)}
    before[DELETED] = True
    instance._page_cache_deleted = WATCHED[sender](instance, before)


def _post_delete(sender, instance, **kwargs) -> None:
    _schedule(getattr(instance, "_page_cache_deleted", None))


def _links_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    if action == "pre_clear":
        # Which rows go is only known before they do.
        related = getattr(instance, _LINKS[sender][reverse]).values_list("pk", flat=True)
        instance._page_cache_cleared = set(related)
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    others = pk_set if action != "post_clear" else getattr(instance, "_page_cache_cleared", set())
    incident_side = {instance.pk} if isinstance(instance, Incident) else set(others or ())
    record_side = set(others or ()) if isinstance(instance, Incident) else {instance.pk}
    touched = Touched(incidents=incident_side)
    if sender is Source.incidents.through:
        touched.sources = record_side
    else:
        touched.statements = record_side
        touched.figures = True  # a statement about a public incident is public
    _schedule(touched)


# For pre_clear: the related manager's name on ``instance``, by through model and direction.
_LINKS = {
    Source.incidents.through: {False: "incidents", True: "sources"},
    OfficialStatement.incidents.through: {False: "incidents", True: "statements"},
}


def connect() -> None:
    for model in WATCHED:
        uid = f"page-cache:{model._meta.label}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid)
        post_save.connect(_post_save, sender=model, dispatch_uid=uid)
        pre_delete.connect(_pre_delete, sender=model, dispatch_uid=uid)
        post_delete.connect(_post_delete, sender=model, dispatch_uid=uid)
    for through in _LINKS:
        m2m_changed.connect(_links_changed, sender=through, dispatch_uid=f"page-cache:{through}")
