"""Public pages for sources and statements, gated like incidents."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from cases.models import Claim, ClaimEvidence, Incident
from public.cache import cache_public_page, source_tag, statement_tag
from public.selectors import correction_entries, files_for_source, with_timestamps
from sources.models import OfficialStatement, ReportedFigure, Source


@cache_public_page(tags=lambda request, pk: [source_tag(pk)])
def source_detail(request, pk):
    source = get_object_or_404(Source.objects.visible_to(request.user), pk=pk)
    visible = Incident.objects.visible_to(request.user)
    incidents = source.incidents.filter(pk__in=visible.values("pk")).order_by(
        *Incident._meta.ordering
    )
    evidence = (
        ClaimEvidence.objects.filter(source=source, claim__incident__in=visible)
        .select_related("claim__incident")
        .order_by("claim__incident__title", "claim__pk")
    )
    statements = source.statements.filter(
        pk__in=OfficialStatement.objects.visible_to(request.user).values("pk")
    )
    return render(
        request,
        "sources/source_detail.html",
        {
            "source": source,
            "incidents": incidents,
            "evidence": evidence,
            "statements": statements,
            "files": with_timestamps(files_for_source(source=source, user=request.user)),
            "corrections": correction_entries(source.corrections.all()),
        },
    )


@cache_public_page(tags=lambda request, pk: [statement_tag(pk)])
def statement_detail(request, pk):
    statement = get_object_or_404(
        OfficialStatement.objects.visible_to(request.user)
        .select_related("reported_in")
        .prefetch_related(
            Prefetch("figures", queryset=ReportedFigure.objects.order_by("period_start", "pk"))
        ),
        pk=pk,
    )
    visible = Incident.objects.visible_to(request.user)
    return render(
        request,
        "sources/statement_detail.html",
        {
            "statement": statement,
            "incidents": statement.incidents.filter(pk__in=visible.values("pk")),
            "claims": Claim.objects.filter(statement=statement, incident__in=visible)
            .select_related("incident")
            .order_by("incident__title", "pk"),
            "corrections": correction_entries(statement.corrections.all()),
        },
    )
