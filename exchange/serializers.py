"""API representations: what a reader of the site may see.

Incidents, claims and victims; sources, statements and the figures they report. Public fields
only: internal notes, normalised URLs, who entered what and kept files never leave through here.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import AllegedVictim, Claim, ClaimEvidence, ClaimStatusChange, Incident
from exchange.legal import LegalMappingSchema, legal_mapping
from law.selectors import tables
from sources.models import OfficialStatement, ReportedFigure, Source


class PermalinkField(serializers.Field):
    """The absolute address of the record's page on the site."""

    def __init__(self, **kwargs):
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return settings.SITE_URL + value.get_absolute_url()


PermalinkField = extend_schema_field({"type": "string", "format": "uri"})(PermalinkField)


class PublicIncidentSlugsField(serializers.ListField):
    """Slugs of the public incidents a record belongs to (prefetched as ``public_incidents``)."""

    child = serializers.SlugField()

    def __init__(self, **kwargs):
        kwargs["source"] = "public_incidents"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, data):
        return [incident.slug for incident in data]


class SourceSummarySerializer(serializers.ModelSerializer):
    """A source as cited from an incident or a claim."""

    permalink = PermalinkField()
    # Plain strings: a blank URL field is "" and the schema's "uri or empty" would be ambiguous.
    url = serializers.CharField(read_only=True, help_text=_("The address cited; may be empty."))
    archive_url = serializers.CharField(
        read_only=True, help_text=_("A copy in a web archive; may be empty.")
    )

    class Meta:
        model = Source
        fields = [
            "id",
            "permalink",
            "kind",
            "title",
            "publisher",
            "author",
            "url",
            "published_on",
            "accessed_on",
            "language",
            "archive_url",
            "is_graphic",
        ]


class SourceSerializer(SourceSummarySerializer):
    incidents = PublicIncidentSlugsField()

    class Meta(SourceSummarySerializer.Meta):
        fields = [*SourceSummarySerializer.Meta.fields, "incidents"]


class ReportedFigureSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportedFigure
        fields = ["metric", "value", "unit", "period_start", "period_end", "as_of", "note"]


class StatementSummarySerializer(serializers.ModelSerializer):
    """A statement as shown on an incident: who, when, what, and the figures it reports."""

    permalink = PermalinkField()
    figures = ReportedFigureSerializer(many=True, read_only=True)

    class Meta:
        model = OfficialStatement
        fields = [
            "id",
            "permalink",
            "speaker",
            "speaker_role",
            "organisation",
            "stated_on",
            "quote",
            "quote_language",
            "translation",
            "stance",
            "reported_in",
            "figures",
        ]


class StatementSerializer(StatementSummarySerializer):
    incidents = PublicIncidentSlugsField()

    class Meta(StatementSummarySerializer.Meta):
        fields = [*StatementSummarySerializer.Meta.fields, "incidents"]


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


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": "Labels of the coded fields in the language asked for (Accept-Language "
        "or ?lang=en|uk); the codes themselves never change with the language.",
    }
)
class LabelsField(serializers.Field):
    """``{"field": "label"}`` for the choice fields named, in the active language (issue 15)."""

    def __init__(self, *, fields: tuple[str, ...], **kwargs):
        self.choice_fields = fields
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value) -> dict:
        labels = {}
        for name in self.choice_fields:
            if name == "methods":
                labels[name] = ", ".join(str(label) for label in value.method_labels)
            elif getattr(value, name):
                labels[name] = str(getattr(value, f"get_{name}_display")())
        return labels


class ClaimSerializer(serializers.ModelSerializer):
    permalink = PermalinkField()
    labels = LabelsField(fields=("status", "text_language", "methods"))
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
            "text_language",
            "text_en",
            "text_uk",
            "claimant",
            "statement",
            "status",
            "labels",
            "rationale",
            "methods",
            "status_changed_at",
            "evidence",
            "history",
        ]


class IncidentSerializer(serializers.ModelSerializer):
    permalink = PermalinkField()
    labels = LabelsField(
        fields=(
            "status",
            "category",
            "oblast",
            "date_precision",
            "location_precision",
            "original_language",
        )
    )
    claims = ClaimSerializer(many=True, read_only=True)
    victims = VictimSerializer(many=True, read_only=True)
    sources = SourceSummarySerializer(many=True, read_only=True)
    statements = StatementSummarySerializer(many=True, read_only=True)
    legal_mapping = serializers.SerializerMethodField()  # issue 18

    class Meta:
        model = Incident
        fields = [
            "slug",
            "permalink",
            *Incident.PUBLIC_FIELDS,  # the same fields as the exports
            "status",
            "retracted_at",
            "retraction_note",
            "published_at",
            "updated_at",
            "labels",
            "claims",
            "victims",
            "sources",
            "statements",
            "legal_mapping",
        ]

    @extend_schema_field(LegalMappingSchema(many=True))
    def get_legal_mapping(self, incident: Incident) -> list[dict]:
        """The provisions that may apply, their elements, linked claims and derived states."""
        link = settings.SITE_URL + incident.get_absolute_url()
        return legal_mapping(tables(incident.legal_provisions.all()), link)
