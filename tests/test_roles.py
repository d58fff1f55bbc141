import pytest
from django.contrib.auth.models import Group

from accounts.roles import EDITORS, RESEARCHERS

pytestmark = pytest.mark.django_db


def perms(group_name):
    group = Group.objects.get(name=group_name)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_only_editors_verify_and_publish():
    assert {"cases.verify_claim", "cases.publish_incident"} <= perms(EDITORS)
    assert not {"cases.verify_claim", "cases.publish_incident"} & perms(RESEARCHERS)


def test_researchers_enter_but_do_not_delete_incidents_or_sources():
    researcher = perms(RESEARCHERS)
    assert {
        "cases.add_incident",
        "cases.change_claim",
        "sources.add_source",
        "sources.add_officialstatement",
    } <= researcher
    assert (
        not {"cases.delete_incident", "sources.delete_source", "sources.delete_officialstatement"}
        & researcher
    )
    assert researcher < perms(EDITORS)


def test_no_role_can_touch_accounts_or_audit_records():
    for group in (RESEARCHERS, EDITORS):
        assert not {
            p
            for p in perms(group)
            # issue 20: Editors may see withheld identities; no role touches accounts.
            if (p.startswith("accounts.") and p != "accounts.view_withheld_identities")
            or "statuschange" in p
            or "publicationevent" in p
        }
