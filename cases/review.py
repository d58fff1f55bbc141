"""The editors' review queue: incidents awaiting a publication decision and unverified claims.

Every decision goes through ``cases.services``; the forms carry the version the editor saw, so a
decision made on a page that is out of date is refused instead of overwriting someone's work.
"""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import services
from cases.forms import (
    ClaimReviewForm,
    IncidentDecisionForm,
    ProposalDecisionForm,
)
from cases.models import (
    Category,
    Claim,
    CorrectionProposal,
    Incident,
    Oblast,
    PublicationEvent,
)
from core.admin_base import add_refusal

CLAIMS_PER_PAGE = 20


def _require_editor(user) -> None:
    if not (user.has_perm("cases.verify_claim") or user.has_perm("cases.publish_incident")):
        raise PermissionDenied(_("The review queue is for editors."))


def _scope(params: QueryDict):
    """The oblast and category filters, validated (unknown values are ignored)."""
    oblast = params.get("oblast", "")
    category = params.get("category", "")
    return (
        oblast if oblast in Oblast.values else "",
        category if category in Category.values else "",
    )


def _filter(queryset, prefix, oblast, category):
    condition = Q()
    if oblast:
        condition &= Q(**{f"{prefix}oblast": oblast})
    if category:
        condition &= Q(**{f"{prefix}category": category})
    return queryset.filter(condition)


def _back(request) -> str:
    """The queue address (with its filters and page) the decision was posted from.

    Only the queue itself: the decision addresses accept POST only, and a page rendered before
    this rule could still carry one of them as ``next``.
    """
    queue = reverse("review:review_queue")
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and urlsplit(target).path == queue
    ):
        return target
    return queue


def _queue_context(request, claim_forms=None, incident_forms=None, proposal_forms=None):
    # A refused decision is rendered at its POST-only address: the filters, the page and the
    # forms' "next" then come from the queue address it was posted from, so that the corrected
    # decision, and any link on the page, lead back to the queue.
    here = request.get_full_path() if request.method == "GET" else _back(request)
    params = QueryDict(urlsplit(here).query)
    oblast, category = _scope(params)
    proposal_forms = proposal_forms or {}
    proposals = _filter(
        CorrectionProposal.objects.filter(status=CorrectionProposal.Status.OPEN),
        "incident__",
        oblast,
        category,
    ).select_related("incident", "proposed_by", "source")
    incidents = (
        _filter(Incident.objects.filter(status=Incident.Status.IN_REVIEW), "", oblast, category)
        .annotate(
            submitted_at=Max(
                "publication_events__at",
                filter=Q(publication_events__action=PublicationEvent.Action.SUBMIT),
            )
        )
        .select_related("created_by")
        .order_by("submitted_at", "pk")
    )
    claims = (
        _filter(
            Claim.objects.filter(status=Claim.Status.UNVERIFIED).exclude(
                incident__status=Incident.Status.RETRACTED
            ),
            "incident__",
            oblast,
            category,
        )
        .select_related("incident", "statement")
        .prefetch_related("evidence__source")
        .order_by("created_at", "pk")
    )
    page = Paginator(claims, CLAIMS_PER_PAGE).get_page(params.get("page"))
    claim_forms = claim_forms or {}
    incident_forms = incident_forms or {}
    query = params.copy()
    query.pop("page", None)
    # A decision that failed is shown first, even if its record has left the queue meanwhile
    # (e.g. another editor verified the claim): the editor must see why nothing was saved.
    failed_incidents = [form.incident for form in incident_forms.values()]
    failed_claims = [form.claim for form in claim_forms.values()]
    return {
        "incident_rows": [
            (incident, incident_forms.get(incident.pk) or IncidentDecisionForm(incident=incident))
            for incident in failed_incidents + [i for i in incidents if i.pk not in incident_forms]
        ],
        "claim_rows": [
            (claim, claim_forms.get(claim.pk) or ClaimReviewForm(claim=claim))
            for claim in failed_claims + [c for c in page.object_list if c.pk not in claim_forms]
        ],
        "proposal_rows": [
            (proposal, proposal_forms.get(proposal.pk) or ProposalDecisionForm(proposal=proposal))
            for proposal in [form.proposal for form in proposal_forms.values()]
            + [p for p in proposals if p.pk not in proposal_forms]
        ],
        "page": page,
        "query_string": query.urlencode(),
        "oblast": oblast,
        "category": category,
        "oblasts": Oblast.choices,
        "categories": Category.choices,
        "may_verify": request.user.has_perm("cases.verify_claim"),
        "may_publish": request.user.has_perm("cases.publish_incident"),
        "here": here,
        "queue_url": reverse("review:review_queue"),
    }


@login_required
def review_queue(request):
    _require_editor(request.user)
    return render(request, "cases/review_queue.html", _queue_context(request))


@login_required
@require_POST
def review_claim(request, pk):
    if not request.user.has_perm("cases.verify_claim"):
        raise PermissionDenied(_("Only editors can change a claim's status."))
    claim = get_object_or_404(Claim.objects.select_related("incident"), pk=pk)
    form = ClaimReviewForm(request.POST, claim=claim)
    if form.is_valid():
        try:
            services.claim_change_status(
                claim=claim,
                status=form.cleaned_data["status"],
                rationale=form.cleaned_data["rationale"],
                methods=form.cleaned_data["methods"],
                by=request.user,
                expected_version=form.cleaned_data["loaded_version"],
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("Claim “%(claim)s” is now %(status)s.")
                % {"claim": claim, "status": claim.get_status_display()},
            )
            return redirect(_back(request))
    return render(
        request,
        "cases/review_queue.html",
        _queue_context(request, claim_forms={claim.pk: form}) | {"focus": f"claim-{claim.pk}"},
        status=400,
    )


@login_required
@require_POST
def review_incident(request, pk):
    if not request.user.has_perm("cases.publish_incident"):
        raise PermissionDenied(_("Only editors can publish or send back incidents."))
    incident = get_object_or_404(Incident, pk=pk)
    form = IncidentDecisionForm(request.POST, incident=incident)
    if form.is_valid():
        try:
            services.incident_transition(
                incident=incident,
                action=form.cleaned_data["action"],
                by=request.user,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["loaded_version"],
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("“%(title)s” is now %(status)s.")
                % {"title": incident, "status": incident.get_status_display().lower()},
            )
            return redirect(_back(request))
    return render(
        request,
        "cases/review_queue.html",
        _queue_context(request, incident_forms={incident.pk: form})
        | {"focus": f"incident-{incident.pk}"},
        status=400,
    )


@login_required
@require_POST
def review_proposal(request, pk):
    """Accept (the editor made the correction) or decline a researcher's proposed correction."""
    _require_editor(request.user)
    proposal = get_object_or_404(CorrectionProposal.objects.select_related("incident"), pk=pk)
    form = ProposalDecisionForm(request.POST, proposal=proposal)
    if form.is_valid():
        try:
            services.correction_proposal_decide(
                proposal=proposal,
                by=request.user,
                accept=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("Proposed correction to “%(title)s”: %(status)s.")
                % {"title": proposal.incident, "status": proposal.get_status_display().lower()},
            )
            return redirect(_back(request))
    return render(
        request,
        "cases/review_queue.html",
        _queue_context(request, proposal_forms={proposal.pk: form})
        | {"focus": f"proposal-{proposal.pk}"},
        status=400,
    )
