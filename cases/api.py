"""The read-only JSON API (/api/v1/): incidents and claims. Sources and statements: sources.api.

The API serves public data only, to everyone: it has no authentication, so ``request.user`` is
always anonymous and every queryset below, starting from ``visible_to(request.user)``, holds
only published and retracted records. Staff preview drafts on the site, never through here.
"""

import django_filters
from django.db.models import Prefetch
from django.shortcuts import render
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.generators import SchemaGenerator
from rest_framework import viewsets
from rest_framework.pagination import PageNumberPagination

from cases.filters import IncidentFilter
from cases.models import (
    AllegedVictim,
    Claim,
    ClaimEvidence,
    ClaimStatusChange,
    Incident,
    VerificationStatus,
)
from cases.serializers import ClaimSerializer, IncidentSerializer
from sources.models import OfficialStatement, ReportedFigure, Source


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class IncidentFilterBackend(DjangoFilterBackend):
    """The list filters of /incidents/, in the list's order; a bad value is a 400 with reasons."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise django_filters.utils.translate_validation(filterset.errors)
        return filterset.sorted_qs


class PublicReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = Pagination


def public_incidents(user):
    return Incident.objects.visible_to(user).public()


def claims_queryset(user):
    """Claims of public incidents with their evidence and public history, in three queries."""
    return (
        Claim.objects.filter(incident__in=public_incidents(user))
        .select_related("incident")
        .prefetch_related(
            Prefetch("evidence", queryset=ClaimEvidence.objects.order_by("pk")),
            Prefetch("status_changes", queryset=ClaimStatusChange.objects.order_by("changed_at")),
        )
        .order_by("pk")
    )


class IncidentViewSet(PublicReadOnlyViewSet):
    """Published and retracted incidents with their claims, victims, sources and statements."""

    serializer_class = IncidentSerializer
    lookup_field = "slug"
    filter_backends = [IncidentFilterBackend]
    filterset_class = IncidentFilter

    def get_queryset(self):
        claims = Claim.objects.order_by("pk").prefetch_related(
            Prefetch("evidence", queryset=ClaimEvidence.objects.order_by("pk")),
            Prefetch("status_changes", queryset=ClaimStatusChange.objects.order_by("changed_at")),
        )
        statements = OfficialStatement.objects.order_by("stated_on", "pk").prefetch_related(
            Prefetch("figures", queryset=ReportedFigure.objects.order_by("period_start", "pk"))
        )
        return public_incidents(self.request.user).prefetch_related(
            Prefetch("claims", queryset=claims),
            Prefetch("victims", queryset=AllegedVictim.objects.order_by("pk")),
            Prefetch("sources", queryset=Source.objects.order_by("pk")),
            Prefetch("statements", queryset=statements),
        )


class ClaimFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=VerificationStatus.choices)
    incident = django_filters.CharFilter(field_name="incident__slug", label="Incident slug")

    class Meta:
        model = Claim
        fields = []


class ClaimViewSet(PublicReadOnlyViewSet):
    """Claims of public incidents, each with its verification status, evidence and history."""

    serializer_class = ClaimSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ClaimFilter

    def get_queryset(self):
        return claims_queryset(self.request.user)


def api_docs(request):
    """The API's documentation, rendered on the server from the OpenAPI schema (no scripts)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        {"path": path, "method": method.upper(), **operation}
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    return render(request, "api/docs.html", {"schema": schema, "operations": operations})
