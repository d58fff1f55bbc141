"""The read-only JSON API (/api/v1/): incidents, claims, sources and statements.

The API serves public data only, to everyone: every queryset below starts from ``public()``,
whoever asks, so it holds only published and retracted records and what they cite. Staff
preview drafts on the site's detail pages, never through here.
"""

import functools

import django_filters
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.generators import SchemaGenerator
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from cases.models import (
    AllegedVictim,
    Claim,
    ClaimEvidence,
    Incident,
    VerificationStatus,
)
from exchange.serializers import (
    ClaimSerializer,
    IncidentSerializer,
    SourceSerializer,
    StatementSerializer,
)
from law.selectors import mapping_prefetch
from public.cache import LISTING, PUBLIC_DATA, incident_tag, record_fragments, serve_cached
from public.filters import IncidentFilter
from sources.models import OfficialStatement, ReportedFigure, Source


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        # A malformed page number is a bad request with the reason, like a bad filter value;
        # a well-formed page past the end stays a 404 ("no such page"), as documented.
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw not in self.last_page_strings:
            try:
                valid = int(raw) >= 1
            except ValueError:
                valid = False
            if not valid:
                raise ValidationError({self.page_query_param: ["Give a page number from 1."]})
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError({self.page_size_query_param: ["Give a whole number from 1."]})
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                # Sizes above the maximum are reduced rather than refused; say so.
                parameter["description"] = (
                    f"Results per page: default {self.page_size}; values above "
                    f"{self.max_page_size} give {self.max_page_size}."
                )
        return parameters


_ERROR_BODY = {
    "application/json": {
        "schema": {
            "type": "object",
            "description": "Field name (or 'detail') to the reasons.",
            "additionalProperties": {},
        }
    }
}


def document_error_responses(result, generator, request, public):
    """drf-spectacular hook: every operation may answer 429; lists 400; single records 404."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method != "get":
                continue
            responses = operation.setdefault("responses", {})
            responses.setdefault(
                "429", {"description": "Too many requests", "content": _ERROR_BODY}
            )
            if path.endswith("/schema/"):
                continue
            responses.setdefault(
                "404", {"description": "No such record or page", "content": _ERROR_BODY}
            )
            if "{" not in path:
                responses.setdefault(
                    "400", {"description": "Invalid filter or page", "content": _ERROR_BODY}
                )
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter["name"] not in (
                    "page",
                    "page_size",
                ):
                    # As on the HTML list, an empty filter value means "any".
                    parameter["schema"] = {
                        "anyOf": [parameter["schema"], {"type": "string", "maxLength": 0}]
                    }
    return result


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


def claims_queryset():
    """Claims of public incidents with their evidence and public history, in three queries."""
    return (
        Claim.objects.filter(incident__in=Incident.objects.public())
        .select_related("incident")
        .prefetch_related(
            Prefetch("evidence", queryset=ClaimEvidence.objects.order_by("pk")),
            "status_changes",  # Meta.ordering: changed_at, then pk for equal times
        )
        .order_by("pk")
    )


class IncidentViewSet(PublicReadOnlyViewSet):
    """Published and retracted incidents with their claims, victims, sources and statements.

    Answers are kept in the page cache like the pages (issue 21), after the throttle has run:
    one incident under its page's tag, the list under every public change.
    """

    serializer_class = IncidentSerializer
    lookup_field = "slug"
    filter_backends = [IncidentFilterBackend]
    filterset_class = IncidentFilter

    @staticmethod
    def prefetches() -> list[Prefetch]:
        """Everything an incident's representation shows, in seven queries for any number."""
        claims = Claim.objects.order_by("pk").prefetch_related(
            Prefetch("evidence", queryset=ClaimEvidence.objects.order_by("pk")),
            "status_changes",  # Meta.ordering: changed_at, then pk for equal times
        )
        statements = OfficialStatement.objects.order_by("stated_on", "pk").prefetch_related(
            Prefetch("figures", queryset=ReportedFigure.objects.order_by("period_start", "pk"))
        )
        return [
            Prefetch("claims", queryset=claims),
            Prefetch("victims", queryset=AllegedVictim.objects.order_by("pk")),
            Prefetch("sources", queryset=Source.objects.order_by("pk")),
            Prefetch("statements", queryset=statements),
            mapping_prefetch(),  # issue 18: legal_mapping
        ]

    def get_queryset(self):
        return Incident.objects.public().prefetch_related(*self.prefetches())

    def list(self, request, *args, **kwargs):
        return serve_cached(
            request,
            [LISTING, PUBLIC_DATA],
            lambda: self._list(request),
            render=self._render,
        )

    def _list(self, request):
        # The page of incidents without what they show; each incident's representation is kept
        # under its page's tag (public.cache.record_fragments), so after a change only the
        # incidents it concerns are read and serialised again (issue 21).
        page = self.paginate_queryset(self.filter_queryset(Incident.objects.public()))
        data = record_fragments(
            page,
            tag=lambda incident: incident_tag(incident.slug),
            kind="api-incident",
            build=self._represent,
        )
        return self.get_paginated_response(data)

    def _represent(self, incidents):  # (``list`` is the method above, not the type)
        prefetch_related_objects(incidents, *self.prefetches())
        return list(self.get_serializer(incidents, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        slug = kwargs.get(self.lookup_field, "")
        return serve_cached(
            request, [incident_tag(slug)], lambda: self._detail(request, slug), render=self._render
        )

    def _detail(self, request, slug: str):
        # The same kept representation as in the list: one query when it holds.
        incident = get_object_or_404(self.filter_queryset(Incident.objects.public()), slug=slug)
        self.check_object_permissions(request, incident)
        [data] = record_fragments(
            [incident],
            tag=lambda incident: incident_tag(incident.slug),
            kind="api-incident",
            build=self._represent,
        )
        return Response(data)

    def _render(self, response) -> None:
        # What finalize_response does before Django renders the answer; done here so that the
        # rendered bytes can be stored.
        response.accepted_renderer = self.request.accepted_renderer
        response.accepted_media_type = self.request.accepted_media_type
        response.renderer_context = self.get_renderer_context()
        response.render()


class ClaimFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=VerificationStatus.choices)
    incident = django_filters.CharFilter(field_name="incident__slug", label=_("Incident slug"))

    class Meta:
        model = Claim
        fields = []


class ClaimViewSet(PublicReadOnlyViewSet):
    """Claims of public incidents, each with its verification status, evidence and history."""

    serializer_class = ClaimSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ClaimFilter

    def get_queryset(self):
        return claims_queryset()


def _public_incidents_prefetch() -> Prefetch:
    # A source or statement can also belong to drafts: only public incidents are named.
    queryset = Incident.objects.public().order_by(*Incident._meta.ordering).only("pk", "slug")
    return Prefetch("incidents", queryset=queryset, to_attr="public_incidents")


class SourceFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Source.Kind.choices)

    class Meta:
        model = Source
        fields = []


class SourceViewSet(PublicReadOnlyViewSet):
    """Sources cited by public incidents or their claims."""

    serializer_class = SourceSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SourceFilter

    def get_queryset(self):
        return (
            # Public data only, whoever asks (docs/decisions/0003-public-only-api.md).
            Source.objects.public().prefetch_related(_public_incidents_prefetch()).order_by("pk")
        )


class StatementFilter(django_filters.FilterSet):
    stance = django_filters.ChoiceFilter(choices=OfficialStatement.Stance.choices)

    class Meta:
        model = OfficialStatement
        fields = []


class StatementViewSet(PublicReadOnlyViewSet):
    """Official statements about public incidents, with the figures they report."""

    serializer_class = StatementSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = StatementFilter

    def get_queryset(self):
        figures = ReportedFigure.objects.order_by("period_start", "pk")
        return (
            OfficialStatement.objects.public()
            .prefetch_related(Prefetch("figures", queryset=figures), _public_incidents_prefetch())
            .order_by("pk")
        )


@functools.cache
def _documented_schema() -> tuple[dict, list[dict]]:
    """The schema and its operations for the docs page; the same for every request."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            parameters = [
                # Show the parameter's own type, not the "or empty" alternative added above.
                {**parameter, "schema": parameter["schema"].get("anyOf", [parameter["schema"]])[0]}
                for parameter in operation.get("parameters", [])
            ]
            operations.append(
                {"path": path, "method": method.upper(), **operation, "parameters": parameters}
            )
    return schema, operations


def api_docs(request):
    """The API's documentation, rendered on the server from the OpenAPI schema (no scripts)."""
    schema, operations = _documented_schema()
    return render(
        request,
        "api/docs.html",
        {
            "schema": schema,
            "operations": operations,
            "page_size": Pagination.page_size,
            "max_page_size": Pagination.max_page_size,
        },
    )
