"""The services behind each inline of the incident and claim admin pages.

Each inline model maps to an ``InlineWrites``: which fields the form may hand over, and the
service that creates, updates or deletes a row. The admin never saves a row itself.
"""

from cases import services
from cases.forms import verification_change
from cases.models import AllegedVictim, Claim, ClaimEvidence, Incident
from core.admin_base import InlineWrites


def claim_writes(request, reason: str) -> InlineWrites:
    """Claims: text and attribution through the record services, status through its own."""

    def verify(claim, form):
        change = verification_change(form)
        if change:
            services.claim_change_status(claim=claim, by=request.user, **change)

    def create(incident, data, form):
        claim = services.claim_create(incident=incident, by=request.user, data=data, reason=reason)
        verify(claim, form)
        return claim

    def update(claim, data, form):
        services.claim_update(
            claim=claim,
            by=request.user,
            data=data,
            reason=reason,
            expected_version=form.cleaned_data.get("loaded_version"),
        )
        verify(claim, form)
        return claim

    return InlineWrites(
        fields=(*services.CLAIM_FIELDS, "incident"),
        create=create,
        update=update,
        delete=lambda claim: services.claim_delete(claim=claim, by=request.user, reason=reason),
    )


def incident_part_writes(request, reason: str) -> dict:
    """The services behind every inline of the incident and claim pages."""
    by = request.user
    source_link = Incident.sources.through
    statement_link = Incident.statements.through

    def relink(link, field, unlink, link_new, data):
        old, new = getattr(link, field), data.get(field)
        if new is not None and new != old:
            unlink(incident=link.incident, **{field_name(field): old}, by=by, reason=reason)
            link_new(incident=link.incident, **{field_name(field): new}, by=by, reason=reason)
        return link

    def linked(link_service, through, *, incident, **related):
        """Link through the service, then hand the admin the link row (new or already there)."""
        link_service(incident=incident, by=by, reason=reason, **related)
        ((key, value),) = related.items()
        return through.objects.get(
            incident=incident, **{"source" if key == "source" else "officialstatement": value}
        )

    def field_name(field):
        return "statement" if field == "officialstatement" else "source"

    return {
        AllegedVictim: InlineWrites(
            fields=services.VICTIM_FIELDS,
            create=lambda incident, data, form: services.victim_create(
                incident=incident, by=by, data=data, reason=reason
            ),
            update=lambda victim, data, form: services.victim_update(
                victim=victim, by=by, data=data, reason=reason
            ),
            delete=lambda victim: services.victim_delete(victim=victim, by=by, reason=reason),
        ),
        Claim: claim_writes(request, reason),
        ClaimEvidence: InlineWrites(
            fields=services.EVIDENCE_FIELDS,
            create=lambda claim, data, form: services.evidence_create(
                claim=claim, by=by, data=data, reason=reason
            ),
            update=lambda evidence, data, form: services.evidence_update(
                evidence=evidence, by=by, data=data, reason=reason
            ),
            delete=lambda evidence: services.evidence_delete(
                evidence=evidence, by=by, reason=reason
            ),
        ),
        source_link: InlineWrites(
            fields=("source",),
            create=lambda incident, data, form: linked(
                services.incident_link_source,
                source_link,
                incident=incident,
                source=data["source"],
            ),
            update=lambda link, data, form: relink(
                link,
                "source",
                services.incident_unlink_source,
                services.incident_link_source,
                data,
            ),
            delete=lambda link: services.incident_unlink_source(
                incident=link.incident, source=link.source, by=by, reason=reason
            ),
        ),
        statement_link: InlineWrites(
            fields=("officialstatement",),
            create=lambda incident, data, form: linked(
                services.incident_link_statement,
                statement_link,
                incident=incident,
                statement=data["officialstatement"],
            ),
            update=lambda link, data, form: relink(
                link,
                "officialstatement",
                services.incident_unlink_statement,
                services.incident_link_statement,
                data,
            ),
            delete=lambda link: services.incident_unlink_statement(
                incident=link.incident, statement=link.officialstatement, by=by, reason=reason
            ),
        ),
    }
