"""The incident page's overview: what a reader needs before the details.

Built from what ``public.selectors.incident_for_page`` already fetched (no further query): the
claim tally by status, the victims in numbers (never names), a table of contents with counts,
and the small map. It also hands each claim the figures of the statement that makes it, so a
figure sits next to the claim it supports.
"""

from collections import Counter

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases.models import AllegedVictim, VerificationStatus
from public import maps


def claim_tally(claims) -> list[tuple[str, str, int]]:
    counts = Counter(claim.status for claim in claims)
    return [
        (value, label, counts[value])
        for value, label in VerificationStatus.choices
        if counts[value]
    ]


def victims_summary(victims) -> dict:
    """Totals by status and by fate, counting groups by their size. Numbers only."""
    by_status, by_fate = Counter(), Counter()
    for victim in victims:
        by_status[victim.status] += victim.count
        by_fate[victim.fate] += victim.count
    return {
        "total": sum(by_status.values()),
        "records": len(victims),
        "by_status": [
            (label, by_status[value])
            for value, label in AllegedVictim.Status.choices
            if by_status[value]
        ],
        "by_fate": [
            (label, by_fate[value]) for value, label in AllegedVictim.Fate.choices if by_fate[value]
        ],
    }


def attach_claim_figures(claims, statements) -> None:
    """``claim.statement_figures``: the figures of the statement making the claim, if shown here."""
    figures_of = {statement.pk: list(statement.figures.all()) for statement in statements}
    for claim in claims:
        claim.statement_figures = figures_of.get(claim.statement_id, [])


def incident_overview(*, incident, claims, history) -> dict:
    victims = list(incident.victims.all())
    statements = list(incident.statements.all())
    attach_claim_figures(claims, statements)
    figure_count = sum(len(statement.figures.all()) for statement in statements)
    statements_text = ngettext("%(n)d statement", "%(n)d statements", len(statements)) % {
        "n": len(statements)
    }
    if figure_count:
        statements_text += ", " + ngettext("%(n)d figure", "%(n)d figures", figure_count) % {
            "n": figure_count
        }
    contents = [
        ("claims-heading", _("Claims"), str(len(claims))),
        ("victims-heading", _("Alleged victims"), str(len(victims))),
        ("statements-heading", _("Statements and figures"), statements_text),
        ("sources-heading", _("Sources"), str(len(incident.sources.all()))),
    ]
    if incident.is_public:
        contents.append(("history-heading", _("History"), str(len(history))))
    contents.append(("cite-heading", _("Cite this record"), ""))
    corrections = [entry["at"] for entry in history if entry.get("kind") == "correction"]
    return {
        "last_correction": max(corrections, default=None),
        "tally": claim_tally(claims),
        "victims": victims_summary(victims),
        "statement_count": len(statements),
        "figure_count": figure_count,
        "contents": contents,
        "small_map": maps.incident_small_map(incident),
    }
