"""API representations of incidents, claims and victims: what a reader of the site may see."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import AllegedVictim, Claim, ClaimEvidence, ClaimStatusChange, Incident
from sources.serializers import PermalinkField, SourceSummarySerializer, StatementSummarySerializer


class VictimSerializer(serializers.ModelSerializer):
    """A victim as the public sees it: the name is null unless its publication is allowed."""

    name = serializers.SerializerMethodField()
    name_withheld = serializers.SerializerMethodField()

    class Meta:
        model = AllegedVictim
        fields = ["name", "name_withheld", "status", "fate", "count"]

    @extend_schema_field({"type": "string", "nullable": True})
    def get_name(self, victim: AllegedVictim) -> str | None:
        return victim.name_if_public

    def get_name_withheld(self, victim: AllegedVictim) -> bool:
        return victim.name_if_public is None


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClaimEvidence
        fields = ["source", "relation", "note"]


class StatusChangeSerializer(serializers.ModelSerializer):
    """One public entry of a claim's history (who made the change stays internal)."""

    methods = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ClaimStatusChange
        fields = ["from_status", "to_status", "rationale", "methods", "changed_at"]


class ClaimSerializer(serializers.ModelSerializer):
    permalink = PermalinkField()
    incident = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    methods = serializers.ListField(child=serializers.CharField(), read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    history = StatusChangeSerializer(source="status_changes", many=True, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "permalink",
            "incident",
            "text",
            "claimant",
            "statement",
            "status",
            "rationale",
            "methods",
            "status_changed_at",
            "evidence",
            "history",
        ]


class IncidentSerializer(serializers.ModelSerializer):
    permalink = PermalinkField()
    claims = ClaimSerializer(many=True, read_only=True)
    victims = VictimSerializer(many=True, read_only=True)
    sources = SourceSummarySerializer(many=True, read_only=True)
    statements = StatementSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "slug",
            "permalink",
            "title",
            "summary",
            "description",
            "status",
            "retracted_at",
            "retraction_note",
            "category",
            "occurred_from",
            "occurred_to",
            "date_precision",
            "place_name",
            "oblast",
            "country",
            "latitude",
            "longitude",
            "location_precision",
            "legal_references",
            "perpetrator",
            "victims_min",
            "victims_max",
            "published_at",
            "updated_at",
            "claims",
            "victims",
            "sources",
            "statements",
        ]
