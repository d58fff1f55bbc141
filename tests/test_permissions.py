"""The permission matrix: what every URL pattern answers to each role.

``MATRIX`` is the one table. ``test_every_url_pattern_has_a_row`` walks the whole URL
configuration (admin included) and fails, listing them, when a pattern has no row, so a new page
cannot ship without someone deciding who may see it. Each row is then requested as anonymous,
a signed-in reader (no role), a researcher, an editor and a superuser, against real records.

Codes: 200 shown; 302 a redirect (to the login page for non-staff in the admin); 403 signed in
without the role; 404 not found (invisible objects are 404, never 403); 405 wrong method.
To add a page: one line, ``"route/<int:pk>/": Row(anon, reader, researcher, editor, superuser,
url="/route/{incident.pk}/")`` (``url`` is filled from ``tests.access.every_record``).
"""

import pytest
from django.urls import reverse

from cases.models import Claim, ClaimStatusChange, Incident, PublicationEvent
from tests.access import ROLES, Row, concrete_url, every_record, walk_patterns
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX: dict[str, Row] = {
    # --- public pages: everyone
    "en/": Row(200, 200, 200, 200, 200),
    "en/incidents/": Row(200, 200, 200, 200, 200),
    "en/incidents/<slug:slug>/": Row(200, 200, 200, 200, 200, url="/en/incidents/{incident.slug}/"),
    "en/about/verification/": Row(200, 200, 200, 200, 200),
    "en/sources/<int:pk>/": Row(200, 200, 200, 200, 200, url="/en/sources/{source.pk}/"),
    "en/statements/<int:pk>/": Row(200, 200, 200, 200, 200, url="/en/statements/{officialstatement.pk}/"),  # noqa: E501
    "en/verify-file/": Row(200, 200, 200, 200, 200),
    "en/files/<int:pk>/download/": Row(
        200, 200, 200, 200, 200, url="/en/files/{sourcefile.pk}/download/"
    ),
    "en/files/<int:pk>/warning/": Row(200, 200, 200, 200, 200, url="/en/files/{sourcefile.pk}/warning/"),  # noqa: E501
    "health/": Row(200, 200, 200, 200, 200),
    # --- data out: public data for everyone (the API ignores sign-in: public data only)
    "incidents/export.csv": Row(200, 200, 200, 200, 200),
    "incidents/export.json": Row(200, 200, 200, 200, 200),
    "incidents/export.geojson": Row(200, 200, 200, 200, 200),
    "feeds/incidents.atom": Row(200, 200, 200, 200, 200),
    "feeds/claims.atom": Row(200, 200, 200, 200, 200),
    "sitemap.xml": Row(200, 200, 200, 200, 200),
    "robots.txt": Row(200, 200, 200, 200, 200),
    # issue 14: the pattern pages (public data for everyone)
    "en/incidents/map/": Row(200, 200, 200, 200, 200),
    "en/incidents/map.json": Row(200, 200, 200, 200, 200),
    "en/incidents/timeline/": Row(200, 200, 200, 200, 200),
    "en/figures/": Row(200, 200, 200, 200, 200),
    "en/figures/series.csv": Row(200, 200, 200, 200, 200),
    "en/incidents/<slug:slug>/dossier.pdf": Row(
        200, 200, 200, 200, 200, url="/en/incidents/{incident.slug}/dossier.pdf"
    ),
    # end issue 14
    "api/v1/": Row(200, 200, 200, 200, 200),
    "api/v1/<drf_format_suffix:format>": Row(200, 200, 200, 200, 200, url="/api/v1/.json"),
    "api/v1/schema/": Row(200, 200, 200, 200, 200),
    "api/v1/docs/": Row(200, 200, 200, 200, 200),
    "api/v1/incidents/": Row(200, 200, 200, 200, 200),
    "api/v1/incidents.<format>/?": Row(200, 200, 200, 200, 200, url="/api/v1/incidents.json"),
    "api/v1/incidents/<slug>/": Row(
        200, 200, 200, 200, 200, url="/api/v1/incidents/{incident.slug}/"
    ),
    "api/v1/incidents/<slug>.<format>/?": Row(
        200, 200, 200, 200, 200, url="/api/v1/incidents/{incident.slug}.json"
    ),
    "api/v1/claims/": Row(200, 200, 200, 200, 200),
    "api/v1/claims.<format>/?": Row(200, 200, 200, 200, 200, url="/api/v1/claims.json"),
    "api/v1/claims/<pk>/": Row(200, 200, 200, 200, 200, url="/api/v1/claims/{claim.pk}/"),
    "api/v1/claims/<pk>.<format>/?": Row(
        200, 200, 200, 200, 200, url="/api/v1/claims/{claim.pk}.json"
    ),
    "api/v1/sources/": Row(200, 200, 200, 200, 200),
    "api/v1/sources.<format>/?": Row(200, 200, 200, 200, 200, url="/api/v1/sources.json"),
    "api/v1/sources/<pk>/": Row(200, 200, 200, 200, 200, url="/api/v1/sources/{source.pk}/"),
    "api/v1/sources/<pk>.<format>/?": Row(
        200, 200, 200, 200, 200, url="/api/v1/sources/{source.pk}.json"
    ),
    "api/v1/statements/": Row(200, 200, 200, 200, 200),
    "api/v1/statements.<format>/?": Row(200, 200, 200, 200, 200, url="/api/v1/statements.json"),
    "api/v1/statements/<pk>/": Row(
        200, 200, 200, 200, 200, url="/api/v1/statements/{officialstatement.pk}/"
    ),
    "api/v1/statements/<pk>.<format>/?": Row(
        200, 200, 200, 200, 200, url="/api/v1/statements/{officialstatement.pk}.json"
    ),
    # --- review queue: editors (a GET on a decision URL is 405)
    "en/review/": Row(302, 403, 403, 200, 200),
    "en/review/claims/<int:pk>/": Row(302, 405, 405, 405, 405, url="/en/review/claims/{claim.pk}/"),
    "en/review/incidents/<int:pk>/": Row(
        302, 405, 405, 405, 405, url="/en/review/incidents/{incident.pk}/"
    ),
    "en/review/proposals/<int:pk>/": Row(
        302, 405, 405, 405, 405, url="/en/review/proposals/{correctionproposal.pk}/"
    ),
    # --- admin site
    "admin/": Row(302, 302, 200, 200, 200),
    "admin/login/": Row(200, 200, 302, 302, 302),
    "admin/logout/": Row(302, 302, 405, 405, 405),
    "admin/password_change/": Row(302, 302, 200, 200, 200),
    "admin/password_change/done/": Row(302, 302, 200, 200, 200),
    "admin/autocomplete/": Row(
        302, 302, 200, 200, 200,
        url="/admin/autocomplete/?app_label=cases&model_name=claim&field_name=statement",
    ),
    "admin/jsi18n/": Row(302, 302, 200, 200, 200),
    "admin/r/<path:content_type_id>/<path:object_id>/": Row(
        302, 302, 302, 302, 302, url="/admin/r/{incident_content_type.pk}/{incident.pk}/"
    ),
    "admin/<app_label>/": Row(302, 302, 200, 200, 200, url="/admin/cases/"),
    "admin/<url>": Row(302, 302, 404, 404, 404, url="/admin/no-such-page/"),
    "_nested_admin/server-data.js": Row(403, 403, 200, 200, 200),
    # --- admin: auth.group
    "admin/auth/group/": Row(302, 302, 403, 403, 200),
    "admin/auth/group/add/": Row(302, 302, 403, 403, 200),
    "admin/auth/group/<path:object_id>/history/": Row(302, 302, 403, 403, 200),
    "admin/auth/group/<path:object_id>/delete/": Row(302, 302, 403, 403, 200),
    "admin/auth/group/<path:object_id>/change/": Row(302, 302, 403, 403, 200),
    "admin/auth/group/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # --- admin: axes.accessattempt
    "admin/axes/accessattempt/": Row(302, 302, 403, 403, 200),
    "admin/axes/accessattempt/add/": Row(302, 302, 403, 403, 403),
    "admin/axes/accessattempt/<path:object_id>/history/": Row(302, 302, 403, 403, 200),
    "admin/axes/accessattempt/<path:object_id>/delete/": Row(302, 302, 403, 403, 200),
    "admin/axes/accessattempt/<path:object_id>/change/": Row(302, 302, 403, 403, 200),
    "admin/axes/accessattempt/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # --- admin: axes.accesslog
    "admin/axes/accesslog/": Row(302, 302, 403, 403, 200),
    "admin/axes/accesslog/add/": Row(302, 302, 403, 403, 403),
    "admin/axes/accesslog/<path:object_id>/history/": Row(302, 302, 403, 403, 200),
    "admin/axes/accesslog/<path:object_id>/delete/": Row(302, 302, 403, 403, 200),
    "admin/axes/accesslog/<path:object_id>/change/": Row(302, 302, 403, 403, 200),
    "admin/axes/accesslog/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # --- admin: axes.accessfailurelog
    "admin/axes/accessfailurelog/": Row(302, 302, 403, 403, 200),
    "admin/axes/accessfailurelog/add/": Row(302, 302, 403, 403, 403),
    "admin/axes/accessfailurelog/<path:object_id>/history/": Row(302, 302, 403, 403, 200),
    "admin/axes/accessfailurelog/<path:object_id>/delete/": Row(302, 302, 403, 403, 200),
    "admin/axes/accessfailurelog/<path:object_id>/change/": Row(302, 302, 403, 403, 200),
    "admin/axes/accessfailurelog/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # --- admin: accounts.user
    "admin/accounts/user/<id>/password/": Row(302, 302, 403, 403, 200),
    "admin/accounts/user/": Row(302, 302, 403, 403, 200),
    "admin/accounts/user/add/": Row(302, 302, 403, 403, 200),
    "admin/accounts/user/<path:object_id>/history/": Row(302, 302, 403, 403, 200),
    "admin/accounts/user/<path:object_id>/delete/": Row(302, 302, 403, 403, 200),
    "admin/accounts/user/<path:object_id>/change/": Row(302, 302, 403, 403, 200),
    "admin/accounts/user/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # --- admin: cases.incident
    "admin/cases/incident/import/": Row(302, 302, 200, 200, 200),
    "admin/cases/incident/<arg>/history/<arg>/": Row(302, 302, 200, 200, 200),
    "admin/cases/incident/": Row(302, 302, 200, 200, 200),
    "admin/cases/incident/add/": Row(302, 302, 200, 200, 200),
    "admin/cases/incident/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/cases/incident/<path:object_id>/delete/": Row(302, 302, 403, 200, 200),
    "admin/cases/incident/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/cases/incident/<path:object_id>/": Row(302, 302, 302, 302, 302),
    "admin/cases/incident/<path:object_id>/workflow/<str:action>/": Row(
        302, 302, 403, 200, 200, url="/admin/cases/incident/{incident.pk}/workflow/retract/"
    ),
    # --- admin: cases.claim
    "admin/cases/claim/<arg>/history/<arg>/": Row(302, 302, 200, 200, 200),
    "admin/cases/claim/": Row(302, 302, 200, 200, 200),
    "admin/cases/claim/add/": Row(302, 302, 200, 200, 200),
    "admin/cases/claim/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    # Parts of a public incident are deleted by editors only (corrections in the open).
    "admin/cases/claim/<path:object_id>/delete/": Row(302, 302, 403, 200, 200),
    "admin/cases/claim/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/cases/claim/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # A public incident: researchers and editors propose corrections (editors may also edit).
    "admin/cases/incident/<path:object_id>/propose-correction/": Row(
        302, 302, 200, 200, 200, url="/admin/cases/incident/{incident.pk}/propose-correction/"
    ),
    # --- admin: cases.correction and cases.correctionproposal (read-only for everyone)
    "admin/cases/correction/": Row(302, 302, 200, 200, 200),
    "admin/cases/correction/add/": Row(302, 302, 403, 403, 403),
    "admin/cases/correction/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/cases/correction/<path:object_id>/delete/": Row(302, 302, 403, 403, 403),
    "admin/cases/correction/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/cases/correction/<path:object_id>/": Row(302, 302, 302, 302, 302),
    "admin/cases/correctionproposal/": Row(302, 302, 200, 200, 200),
    "admin/cases/correctionproposal/add/": Row(302, 302, 403, 403, 403),
    "admin/cases/correctionproposal/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/cases/correctionproposal/<path:object_id>/delete/": Row(302, 302, 403, 403, 403),
    "admin/cases/correctionproposal/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/cases/correctionproposal/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # --- admin: cases.claimstatuschange
    "admin/cases/claimstatuschange/": Row(302, 302, 200, 200, 200),
    "admin/cases/claimstatuschange/add/": Row(302, 302, 403, 403, 403),
    "admin/cases/claimstatuschange/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/cases/claimstatuschange/<path:object_id>/delete/": Row(302, 302, 403, 403, 403),
    "admin/cases/claimstatuschange/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/cases/claimstatuschange/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # --- admin: cases.publicationevent
    "admin/cases/publicationevent/": Row(302, 302, 200, 200, 200),
    "admin/cases/publicationevent/add/": Row(302, 302, 403, 403, 403),
    "admin/cases/publicationevent/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/cases/publicationevent/<path:object_id>/delete/": Row(302, 302, 403, 403, 403),
    "admin/cases/publicationevent/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/cases/publicationevent/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # --- admin: sources.source
    "admin/sources/source/<arg>/history/<arg>/": Row(302, 302, 200, 200, 200),
    "admin/sources/source/": Row(302, 302, 200, 200, 200),
    "admin/sources/source/add/": Row(302, 302, 200, 200, 200),
    "admin/sources/source/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/sources/source/<path:object_id>/delete/": Row(302, 302, 403, 200, 200),
    "admin/sources/source/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/sources/source/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # --- admin: sources.sourcefile
    "admin/sources/sourcefile/": Row(302, 302, 200, 200, 200),
    "admin/sources/sourcefile/add/": Row(302, 302, 403, 403, 403),
    "admin/sources/sourcefile/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/sources/sourcefile/<path:object_id>/delete/": Row(302, 302, 403, 403, 403),
    "admin/sources/sourcefile/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/sources/sourcefile/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # --- admin: sources.filecustodyevent
    "admin/sources/filecustodyevent/": Row(302, 302, 200, 200, 200),
    "admin/sources/filecustodyevent/add/": Row(302, 302, 403, 403, 403),
    "admin/sources/filecustodyevent/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/sources/filecustodyevent/<path:object_id>/delete/": Row(302, 302, 403, 403, 403),
    "admin/sources/filecustodyevent/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/sources/filecustodyevent/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # --- admin: sources.officialstatement
    "admin/sources/officialstatement/<arg>/history/<arg>/": Row(302, 302, 200, 200, 200),
    "admin/sources/officialstatement/": Row(302, 302, 200, 200, 200),
    "admin/sources/officialstatement/add/": Row(302, 302, 200, 200, 200),
    "admin/sources/officialstatement/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/sources/officialstatement/<path:object_id>/delete/": Row(302, 302, 403, 200, 200),
    "admin/sources/officialstatement/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/sources/officialstatement/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # --- admin: sources.reportedfigure
    "admin/sources/reportedfigure/<arg>/history/<arg>/": Row(302, 302, 200, 200, 200),
    "admin/sources/reportedfigure/": Row(302, 302, 200, 200, 200),
    "admin/sources/reportedfigure/add/": Row(302, 302, 200, 200, 200),
    "admin/sources/reportedfigure/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/sources/reportedfigure/<path:object_id>/delete/": Row(302, 302, 200, 200, 200),
    "admin/sources/reportedfigure/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/sources/reportedfigure/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # issue 16
    # --- admin: jobs.job (read-only for both roles)
    "admin/jobs/job/": Row(302, 302, 200, 200, 200),
    "admin/jobs/job/add/": Row(302, 302, 403, 403, 403),
    "admin/jobs/job/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/jobs/job/<path:object_id>/delete/": Row(302, 302, 403, 403, 403),
    "admin/jobs/job/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/jobs/job/<path:object_id>/": Row(302, 302, 302, 302, 302),

    # issue 17: the public transparency log, and public incidents' history as it should log
    "transparency/": Row(200, 200, 200, 200, 200),
    "transparency/tree-head.json": Row(200, 200, 200, 200, 200),
    "transparency/entries.json": Row(200, 200, 200, 200, 200),
    "transparency/entries/<int:index>/": Row(
        200, 200, 200, 200, 200, url="/transparency/entries/0/"
    ),
    "transparency/entries/<int:index>.json": Row(
        200, 200, 200, 200, 200, url="/transparency/entries/0.json"
    ),
    "transparency/proof/inclusion.json": Row(
        200, 200, 200, 200, 200, url="/transparency/proof/inclusion.json?index=0"
    ),
    "transparency/proof/consistency.json": Row(
        200, 200, 200, 200, 200, url="/transparency/proof/consistency.json?first=1"
    ),
    "transparency/incidents/<int:pk>/history.json": Row(
        200, 200, 200, 200, 200, url="/transparency/incidents/{incident.pk}/history.json"
    ),

    # --- the import's job page: only the importer's own job (others' are 404)
    "admin/cases/incident/import/jobs/<int:pk>/": Row(
        302, 302, 404, 404, 404, url="/admin/cases/incident/import/jobs/{job.pk}/"
    ),
    # --- admin: captures of cited pages (GET: the confirmation form)
    "admin/sources/source/<int:pk>/capture/": Row(
        302, 302, 200, 200, 200, url="/admin/sources/source/{source.pk}/capture/"
    ),
    "admin/sources/sourcecapture/": Row(302, 302, 200, 200, 200),
    "admin/sources/sourcecapture/add/": Row(302, 302, 403, 403, 403),
    "admin/sources/sourcecapture/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/sources/sourcecapture/<path:object_id>/delete/": Row(302, 302, 403, 403, 403),
    "admin/sources/sourcecapture/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/sources/sourcecapture/<path:object_id>/": Row(302, 302, 302, 302, 302),

    # issue 18: legal provisions (public pages; editors add and amend texts, nobody deletes)
    # and the provisions chosen for an incident with their claim links (researchers on drafts;
    # the record here is on a published incident, so only editors delete it).
    "en/law/": Row(200, 200, 200, 200, 200),
    "en/law/<slug:code>/": Row(200, 200, 200, 200, 200, url="/en/law/{provision.code}/"),
    "admin/law/provision/<arg>/history/<arg>/": Row(302, 302, 200, 200, 200),
    "admin/law/provision/": Row(302, 302, 200, 200, 200),
    "admin/law/provision/add/": Row(302, 302, 403, 200, 200),
    "admin/law/provision/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/law/provision/<path:object_id>/delete/": Row(302, 302, 403, 403, 403),
    "admin/law/provision/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/law/provision/<path:object_id>/": Row(302, 302, 302, 302, 302),
    "admin/law/incidentprovision/<arg>/history/<arg>/": Row(302, 302, 200, 200, 200),
    "admin/law/incidentprovision/": Row(302, 302, 200, 200, 200),
    "admin/law/incidentprovision/add/": Row(302, 302, 200, 200, 200),
    "admin/law/incidentprovision/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/law/incidentprovision/<path:object_id>/delete/": Row(302, 302, 403, 200, 200),
    "admin/law/incidentprovision/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/law/incidentprovision/<path:object_id>/": Row(302, 302, 302, 302, 302),

    # issue 20: staff account pages, a person's security page, the access log (superusers only)
    "account/two-factor/": Row(302, 200, 200, 200, 200),
    "account/two-factor/setup/": Row(302, 200, 200, 200, 200),
    "account/two-factor/verify/": Row(302, 200, 200, 200, 200),
    "account/two-factor/backup-codes/": Row(302, 405, 405, 405, 405),
    "account/sessions/": Row(302, 200, 200, 200, 200),
    "admin/accounts/user/<int:object_id>/security/": Row(
        302, 302, 403, 403, 200, url="/admin/accounts/user/{user.pk}/security/"
    ),
    "admin/accounts/accessevent/": Row(302, 302, 403, 403, 200),
    "admin/accounts/accessevent/add/": Row(302, 302, 403, 403, 403),
    "admin/accounts/accessevent/<path:object_id>/history/": Row(302, 302, 403, 403, 200),
    "admin/accounts/accessevent/<path:object_id>/delete/": Row(302, 302, 403, 403, 403),
    "admin/accounts/accessevent/<path:object_id>/change/": Row(302, 302, 403, 403, 200),
    "admin/accounts/accessevent/<path:object_id>/": Row(302, 302, 302, 302, 302),
    # the read-only victims list (names masked without accounts.view_withheld_identities)
    "admin/cases/allegedvictim/": Row(302, 302, 200, 200, 200),
    "admin/cases/allegedvictim/add/": Row(302, 302, 403, 403, 403),
    "admin/cases/allegedvictim/<path:object_id>/history/": Row(302, 302, 200, 200, 200),
    "admin/cases/allegedvictim/<path:object_id>/delete/": Row(302, 302, 403, 403, 403),
    "admin/cases/allegedvictim/<path:object_id>/change/": Row(302, 302, 200, 200, 200),
    "admin/cases/allegedvictim/<path:object_id>/": Row(302, 302, 302, 302, 302),

    # issue 19: the write API (token only: a session is not enough, any GET is a 401) and the
    # API-token admin (staff see and make their own; superusers everyone's; no edit, no delete)
    "api/v1/write/incidents/": Row(401, 401, 401, 401, 401),
    "api/v1/write/incidents/<int:pk>/sources/": Row(
        401, 401, 401, 401, 401, url="/api/v1/write/incidents/{incident.pk}/sources/"
    ),
    "api/v1/write/incidents/<int:pk>/files/": Row(
        401, 401, 401, 401, 401, url="/api/v1/write/incidents/{incident.pk}/files/"
    ),
    "api/v1/write/incidents/<int:pk>/corrections/": Row(
        401, 401, 401, 401, 401, url="/api/v1/write/incidents/{incident.pk}/corrections/"
    ),
    "admin/apikeys/apitoken/": Row(302, 302, 200, 200, 200),
    "admin/apikeys/apitoken/add/": Row(302, 302, 200, 200, 200),
    # Another's token is not in a researcher's or editor's list: the admin's "no such object"
    # redirect (302), as for any record outside one's queryset.
    "admin/apikeys/apitoken/<path:object_id>/history/": Row(302, 302, 302, 302, 200),
    "admin/apikeys/apitoken/<path:object_id>/delete/": Row(302, 302, 403, 403, 403),
    "admin/apikeys/apitoken/<path:object_id>/change/": Row(302, 302, 302, 302, 200),
    "admin/apikeys/apitoken/<path:object_id>/": Row(302, 302, 302, 302, 302),

    "incidents/<slug:slug>/evidence-package.zip": Row(
        200, 200, 200, 200, 200, url="/incidents/{incident.slug}/evidence-package.zip"
    ),
    # --- added on other branches (exports, API, feeds, sitemap, health): one line each, e.g.
    # "incidents/export.csv": Row(200, 200, 200, 200, 200),
    # "api/v1/incidents/<slug:slug>/": Row(200, 200, 200, 200, 200, url="/api/v1/incidents/{incident.slug}/"),  # noqa: E501
}
# fmt: on


def test_every_url_pattern_has_a_row():
    routes = list(walk_patterns())
    missing = [route for route in routes if route not in MATRIX]
    assert not missing, "URL patterns without a row in MATRIX:\n" + "\n".join(missing)
    stale = sorted(set(MATRIX) - set(routes))
    assert not stale, "Rows in MATRIX for URL patterns that no longer exist:\n" + "\n".join(stale)


# One test per role: the matrix is the suite's slowest test, and five of them spread over the
# test workers (pytest-xdist); a failure still lists every wrong URL for that role.
@pytest.mark.parametrize("role", ROLES)
def test_matrix(client_for, request, role):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    records = every_record()
    wrong = []
    for route, row in MATRIX.items():
        url = concrete_url(route, row, records)
        response = client.get(url, REMOTE_ADDR="10.9.9.9")
        if response.streaming:
            # Reading a download to the end closes its file (the test client's wrapper
            # does). Never response.close() here: that fires request_finished, whose
            # handler closes the database connection in the middle of the test.
            b"".join(response.streaming_content)
        status = response.status_code
        if status != row.expected(role):
            wrong.append(f"{role:>10} GET {url}: {status}, expected {row.expected(role)}")
    assert not wrong, "\n".join(wrong)


def test_anonymous_admin_redirects_go_to_the_login_page(client):
    records = every_record()
    for route, row in MATRIX.items():
        if route.startswith("admin/") and row.anonymous == 302 and row.researcher in (200, 403):
            response = client.get(concrete_url(route, row, records))
            assert response["Location"].startswith(reverse("admin:login")), route


# --- crafted posts: a researcher cannot do an editor's job by any door ---------------------------


def claim_state(claim: Claim) -> tuple:
    claim.refresh_from_db()
    return (claim.status, claim.rationale, claim.version, claim.history.count())


def test_researcher_cannot_verify_through_the_admin_claim_form(client_for, researcher):
    claim = ClaimFactory(incident=IncidentFactory(published=True))
    before = claim_state(claim)
    client = client_for(researcher)
    response = client.post(
        reverse("admin:cases_claim_change", args=[claim.pk]),
        {
            "incident": claim.incident_id,
            "text": claim.text,
            "claimant": claim.claimant,
            "status": "verified",
            "methods": ["geolocation"],
            "rationale": "I say so.",
            "loaded_version": claim.version,
            "evidence-TOTAL_FORMS": "0",
            "evidence-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code in (200, 403)  # the form again with an error, or refused
    assert claim_state(claim) == before
    assert not ClaimStatusChange.objects.exists()


def test_researcher_cannot_verify_through_the_review_queue(client_for, researcher):
    claim = ClaimFactory(incident=IncidentFactory(published=True))
    before = claim_state(claim)
    response = client_for(researcher).post(
        reverse("review:review_claim", args=[claim.pk]),
        {
            "status": "verified",
            "methods": ["geolocation"],
            "rationale": "I say so.",
            "loaded_version": claim.version,
        },
    )
    assert response.status_code == 403
    assert claim_state(claim) == before
    assert not ClaimStatusChange.objects.exists()


def incident_state(incident: Incident) -> tuple:
    incident.refresh_from_db()
    return (incident.status, incident.published_at, incident.version, incident.history.count())


@pytest.mark.parametrize("action", ["publish", "return_to_draft"])
def test_researcher_cannot_publish_through_the_workflow_url(client_for, researcher, action):
    incident = IncidentFactory(status=Incident.Status.IN_REVIEW)
    before = incident_state(incident)
    response = client_for(researcher).post(
        reverse("admin:cases_incident_workflow", args=[incident.pk, action]),
        {"note": "Looks fine to me.", "loaded_version": incident.version},
    )
    assert response.status_code == 403
    assert incident_state(incident) == before
    assert not PublicationEvent.objects.exists()


def test_researcher_cannot_publish_through_the_review_queue(client_for, researcher):
    incident = IncidentFactory(status=Incident.Status.IN_REVIEW)
    before = incident_state(incident)
    response = client_for(researcher).post(
        reverse("review:review_incident", args=[incident.pk]),
        {"action": "publish", "note": "", "loaded_version": incident.version},
    )
    assert response.status_code == 403
    assert incident_state(incident) == before
    assert not PublicationEvent.objects.exists()


@pytest.mark.parametrize("who", [None, "reader"])
def test_readers_posting_decisions_change_nothing(client_for, request, who):
    client = client_for(request.getfixturevalue(who) if who else None)
    claim = ClaimFactory(incident=IncidentFactory(status=Incident.Status.IN_REVIEW))
    incident = claim.incident
    claim_before, incident_before = claim_state(claim), incident_state(incident)
    posts = [
        (reverse("review:review_claim", args=[claim.pk]), {"status": "false", "rationale": "x"}),
        (reverse("review:review_incident", args=[incident.pk]), {"action": "publish"}),
        (reverse("admin:cases_incident_workflow", args=[incident.pk, "publish"]), {"note": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code in (302, 403), url
    assert claim_state(claim) == claim_before and incident_state(incident) == incident_before
