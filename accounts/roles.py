"""The two staff roles and exactly which permissions each holds.

Readers have no account. Researchers enter and correct records; Editors additionally verify
claims and publish, retract or unpublish incidents. The lists are explicit so that a new model
gets no permission by accident; ``sync_roles`` makes the groups match them and is called from a
data migration (and again from any later migration that changes these lists).
"""

RESEARCHERS = "Researchers"
EDITORS = "Editors"

_ENTRY_MODELS = {
    "cases": ["incident", "allegedvictim", "claim", "claimevidence"],
    "sources": ["source", "officialstatement", "reportedfigure"],
    # Issue 18: mapping an incident's claims to legal elements is part of entering it.
    "law": ["incidentprovision", "claimelement"],
}

# Evidence files are added and flagged, never deleted or replaced by a role (their custody log
# protects them); custody logs are written by the services and only read by people.
_FILE_PERMISSIONS = {
    ("sources", "view_sourcefile"),
    ("sources", "add_sourcefile"),
    ("sources", "change_sourcefile"),
    ("sources", "view_filecustodyevent"),
}

# Researchers may remove the parts of an incident they are entering (a mistyped victim or
# claim), but not whole incidents, sources or statements, which others may cite.
_RESEARCHER_DELETABLE = {
    "cases": ["allegedvictim", "claim", "claimevidence"],
    "sources": ["reportedfigure"],
    "law": ["incidentprovision", "claimelement"],
}


def _codenames(models: dict[str, list[str]], actions: list[str]) -> set[tuple[str, str]]:
    return {
        (app, f"{action}_{model}")
        for app, names in models.items()
        for model in names
        for action in actions
    }


# Researchers propose corrections to public incidents; editors decide (cases.policy).
_PROPOSAL_PERMISSIONS = {("cases", "view_correctionproposal"), ("cases", "view_correction")}

# Background jobs (issue 16): both roles see the queue and the captures of cited pages; the
# rows are written by the job services only.
_JOB_PERMISSIONS = {("jobs", "view_job"), ("sources", "view_sourcecapture")}

# Legal texts (issue 18): everyone on staff reads them; editors add and amend them; nobody
# deletes one (incidents are mapped to them, and their codes are stable).
_LAW_TEXTS = {"law": ["provision", "element"]}

RESEARCHER_PERMISSIONS = (
    _codenames(_ENTRY_MODELS, ["view", "add", "change"])
    | _codenames(_LAW_TEXTS, ["view"])
    | _PROPOSAL_PERMISSIONS
    | _JOB_PERMISSIONS
    | _codenames(_RESEARCHER_DELETABLE, ["delete"])
    | _FILE_PERMISSIONS
)

EDITOR_PERMISSIONS = (
    RESEARCHER_PERMISSIONS
    | _codenames(_ENTRY_MODELS, ["delete"])
    | {("cases", "verify_claim"), ("cases", "publish_incident"), ("cases", "reveal_identity")}
    | _codenames(_LAW_TEXTS, ["add", "change"])
    # issue 20: withheld names and internal notes unmasked in lists and exports.
    | {("accounts", "view_withheld_identities")}
)

ROLE_PERMISSIONS = {RESEARCHERS: RESEARCHER_PERMISSIONS, EDITORS: EDITOR_PERMISSIONS}


def sync_roles(apps=None) -> None:
    """Create the groups and set their permissions to exactly the lists above."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_config in apps.get_app_configs():
        had_models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = had_models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        permissions = []
        for app_label, codename in sorted(wanted):
            try:
                permissions.append(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
            except Permission.DoesNotExist:
                if not _model_exists(apps, app_label, codename):
                    # An older migration runs with today's lists, before a later migration
                    # created the model; that migration syncs the roles again.
                    continue
                raise RuntimeError(f"Permission {app_label}.{codename} does not exist") from None
        group.permissions.set(permissions)


def _model_exists(apps, app_label: str, codename: str) -> bool:
    model_name = codename.split("_", 1)[1]
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return False
    return True
