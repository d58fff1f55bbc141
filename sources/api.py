"""The read-only JSON API for sources and statements; see cases.api for the ground rules."""

import django_filters
from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend

from cases.api import PublicReadOnlyViewSet, public_incidents
from sources.models import OfficialStatement, ReportedFigure, Source
from sources.serializers import SourceSerializer, StatementSerializer


def _public_incidents_prefetch(user) -> Prefetch:
    # A source or statement can also belong to drafts: only public incidents are named.
    queryset = public_incidents(user).order_by("-occurred_from", "-pk").only("pk", "slug")
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
        user = self.request.user
        return (
            # Public data only, whoever asks (docs/decisions/0003-public-only-api.md).
            Source.objects.visible_to(None)
            .prefetch_related(_public_incidents_prefetch(user))
            .order_by("pk")
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
        user = self.request.user
        figures = ReportedFigure.objects.order_by("period_start", "pk")
        return (
            OfficialStatement.objects.visible_to(None)
            .prefetch_related(
                Prefetch("figures", queryset=figures), _public_incidents_prefetch(user)
            )
            .order_by("pk")
        )
