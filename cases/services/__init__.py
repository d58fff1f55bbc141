"""Every write to incidents and their parts goes through here (see cases.policy for the rules).

- ``workflow``: claim verification statuses and the publication workflow;
- ``records``: entering and editing incidents, victims, claims, evidence and links;
- ``corrections``: researchers' proposed corrections and editors' decisions on them.
"""

from cases.services.corrections import correction_proposal_decide, correction_propose
from cases.services.records import (
    CLAIM_FIELDS,
    EVIDENCE_FIELDS,
    INCIDENT_FIELDS,
    VICTIM_FIELDS,
    claim_create,
    claim_delete,
    claim_update,
    evidence_create,
    evidence_delete,
    evidence_update,
    incident_create,
    incident_delete,
    incident_link_source,
    incident_link_statement,
    incident_unlink_source,
    incident_unlink_statement,
    incident_update,
    record_correction,
    victim_create,
    victim_delete,
    victim_update,
)
from cases.services.workflow import (
    ACTION_PERMISSION,
    NOTE_REQUIRED,
    TRANSITIONS,
    StaleEdit,
    allowed_actions,
    check_version,
    claim_change_status,
    describe_last_change,
    incident_transition,
)

__all__ = [
    "ACTION_PERMISSION",
    "CLAIM_FIELDS",
    "EVIDENCE_FIELDS",
    "INCIDENT_FIELDS",
    "NOTE_REQUIRED",
    "TRANSITIONS",
    "VICTIM_FIELDS",
    "StaleEdit",
    "allowed_actions",
    "check_version",
    "claim_change_status",
    "claim_create",
    "claim_delete",
    "claim_update",
    "correction_proposal_decide",
    "correction_propose",
    "describe_last_change",
    "evidence_create",
    "evidence_delete",
    "evidence_update",
    "incident_create",
    "incident_delete",
    "incident_link_source",
    "incident_link_statement",
    "incident_transition",
    "incident_unlink_source",
    "incident_unlink_statement",
    "incident_update",
    "record_correction",
    "victim_create",
    "victim_delete",
    "victim_update",
]
