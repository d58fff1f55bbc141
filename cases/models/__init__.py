"""The records of the cases app, one module per part; import them from here.

``incidents``: the incident and its choices; ``claims``: victims, claims and their evidence, and
the verification scale; ``audit``: status changes, publication events, corrections, proposals.
"""

from cases.models.audit import ClaimStatusChange, Correction, CorrectionProposal, PublicationEvent
from cases.models.claims import (
    AllegedVictim,
    Claim,
    ClaimEvidence,
    VerificationMethod,
    VerificationStatus,
)
from cases.models.incidents import (
    Category,
    DatePrecision,
    Incident,
    IncidentQuerySet,
    LocationPrecision,
    Oblast,
    format_date_range,
)
from cases.models.languages import ContentLanguage, LocalizedText

__all__ = [
    "AllegedVictim",
    "Category",
    "Claim",
    "ClaimEvidence",
    "ClaimStatusChange",
    "ContentLanguage",
    "LocalizedText",
    "Correction",
    "CorrectionProposal",
    "DatePrecision",
    "Incident",
    "IncidentQuerySet",
    "LocationPrecision",
    "Oblast",
    "PublicationEvent",
    "VerificationMethod",
    "VerificationStatus",
    "format_date_range",
]
