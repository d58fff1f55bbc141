"""The write API for archivers, bots and other tools (/api/v1/write/, issue 19).

A token (apikeys) acts as its user, with that user's permissions and only its scopes. Every
write goes through the admin's own forms (the same validation, the same messages) and the same
services and publication policy (cases.services, sources.services): it makes **drafts** and
**proposals** only — nothing reaches readers without an editor. One transaction per request:
a 400 names every problem by field path (``victims[1].status``) and writes nothing. Unknown
fields are refused, not ignored. ``Idempotency-Key`` makes a retry safe: the same key with the
same body answers again what the first request answered (``Idempotent-Replayed: true``); with
another body it is a 422. The read API stays public-only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.forms.models import modelform_factory
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apikeys.auth import BearerTokenAuthentication, HasScope, TokenRateThrottle
from apikeys.models import IdempotentRequest, Scope
from cases import services
from cases.forms import CorrectionProposalForm, IncidentAdminForm, VictimForm
from cases.models import AllegedVictim, Claim, Incident
from exchange.importing.validation import archived_original
from sources import services as source_services
from sources.forms import SourceAdminForm
from sources.models import Source
from sources.normalise import normalise_url

IDEMPOTENCY_HOURS = 24
INCIDENT_KEYS = ("slug", *Incident.PUBLIC_FIELDS)
CLAIM_KEYS = ("text", "claimant")
ClaimWriteForm = modelform_factory(Claim, fields=CLAIM_KEYS)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The write API's authentication in the OpenAPI schema."""

    target_class = "apikeys.auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token made in the admin (API tokens); shown once.",
        }


class Refused(Exception):
    """A request the API answers with ``status`` and ``body`` (nothing written)."""

    def __init__(self, status_code: int, body: dict):
        super().__init__(body)
        self.status_code = status_code
        self.body = body


def _form_errors(form: forms.BaseForm, path: str = "") -> dict[str, list[str]]:
    errors = {}
    for name, messages in form.errors.items():
        key = "non_field_errors" if name == "__all__" else name
        errors[f"{path}.{key}" if path else key] = list(messages)
    return errors


def _refusal(error: Exception, path: str = "") -> dict[str, list[str]]:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return {
            (f"{path}.{k}" if path else k).replace("__all__", "non_field_errors"): v
            for k, v in error.message_dict.items()
        }
    messages = error.messages if isinstance(error, ValidationError) else [str(error)]
    return {f"{path}.non_field_errors" if path else "non_field_errors": messages}


def _check_keys(data, allowed, path: str = "") -> dict[str, list[str]]:
    """Unknown fields and values that are not single values, by path."""
    if not isinstance(data, dict):
        return {path or "non_field_errors": [_("Send a JSON object.")]}
    errors = {}
    for key, value in data.items():
        where = f"{path}.{key}" if path else key
        if key not in allowed:
            errors[where] = [_("Unknown field.")]
        elif isinstance(value, (dict, list)):
            errors[where] = [_("Give a single value.")]
    return errors


def _with_defaults(model, data: dict, names) -> dict:
    """``data`` with the model's defaults for the fields it leaves out (as the admin's form
    starts with them)."""
    filled = dict(data)
    for name in names:
        field = model._meta.get_field(name)
        if name not in filled and field.has_default() and not callable(field.default):
            filled[name] = field.default
    return filled


def _list(data: dict, key: str, errors: dict) -> list:
    items = data.get(key, [])
    if not isinstance(items, list):
        errors[key] = [_("Give a list.")]
        return []
    return items


def _unique_slug(title: str) -> str:
    base = slugify(title)[:130].strip("-") or "incident"
    slug, n = base, 2
    while Incident.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _source_for(*, data: dict, by, path: str, errors: dict) -> Source | None:
    """An existing source (``{"id": n}``, or the same normalised URL) or a new one."""
    if set(data) == {"id"}:
        source = (
            Source.objects.filter(pk=data["id"]).first() if isinstance(data["id"], int) else None
        )
        if source is None:
            errors[f"{path}.id"] = [_("No such source.")]
        return source
    bad = _check_keys(data, source_services.SOURCE_FIELDS, path)
    if bad:
        errors.update(bad)
        return None
    data = dict(data)
    original = archived_original(str(data.get("url") or ""))
    if original and not data.get("archive_url"):
        # A web archive's copy (Wayback Machine, archive.today): the source is the original
        # page, the link its archived copy — as the importer does.
        data["url"], data["archive_url"] = original, data["url"]
    form = SourceAdminForm(data=_with_defaults(Source, data, source_services.SOURCE_FIELDS))
    if not form.is_valid():
        errors.update(_form_errors(form, path))
        return None
    key = normalise_url(form.cleaned_data.get("url", ""))
    existing = Source.objects.filter(normalised_url=key).order_by("pk").first() if key else None
    if existing is not None:
        return existing
    values = {k: v for k, v in form.cleaned_data.items() if k in source_services.SOURCE_FIELDS}
    return source_services.source_create(by=by, data=values)


def _draft_of(request, pk: int) -> Incident:
    incident = get_object_or_404(Incident.objects.all(), pk=pk)
    if incident.status != Incident.Status.DRAFT:
        raise Refused(
            status.HTTP_409_CONFLICT,
            {
                "detail": _(
                    "This incident is no longer a draft: propose a correction "
                    "(corrections/) or ask an editor."
                )
            },
        )
    return incident


def _fingerprint(request) -> str:
    data = request.data
    items = data.lists() if hasattr(data, "lists") else data.items()
    plain = {
        key: (
            [(v.name, v.size) if isinstance(v, UploadedFile) else v for v in value]
            if isinstance(value, list)
            else value
        )
        for key, value in items
    }
    for key, upload in getattr(request, "FILES", {}).items():
        plain[f"file:{key}"] = [upload.name, upload.size]
    body = json.dumps([request.method, request.path, plain], sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


class WriteView(APIView):
    """Token authentication, the scope the view names, a per-token rate; idempotent writes."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAuthenticated, HasScope]
    throttle_classes = [TokenRateThrottle]
    parser_classes = [JSONParser]
    required_scope = Scope.DRAFTS

    def write(self, request, **kwargs) -> Response:
        raise NotImplementedError

    def post(self, request, **kwargs):
        key = request.headers.get("Idempotency-Key", "")
        if len(key) > 200:
            return Response({"Idempotency-Key": [_("At most 200 characters.")]}, status=400)
        try:
            with transaction.atomic():
                if not key:
                    return self.write(request, **kwargs)
                fingerprint = _fingerprint(request)
                since = timezone.now() - dt.timedelta(hours=IDEMPOTENCY_HOURS)
                prior = (
                    IdempotentRequest.objects.select_for_update()
                    .filter(token=request.auth, key=key, created_at__gte=since)
                    .first()
                )
                if prior is not None:
                    if prior.fingerprint != fingerprint:
                        raise Refused(
                            422,
                            {"Idempotency-Key": [_("Used before with another request body.")]},
                        )
                    return Response(
                        prior.response,
                        status=prior.status_code,
                        headers={"Idempotent-Replayed": "true"},
                    )
                response = self.write(request, **kwargs)
                IdempotentRequest.objects.filter(token=request.auth, key=key).delete()  # expired
                IdempotentRequest.objects.create(
                    token=request.auth,
                    key=key,
                    fingerprint=fingerprint,
                    status_code=response.status_code,
                    response=response.data,
                )
                return response
        except Refused as refusal:
            return Response(refusal.body, status=refusal.status_code)
        except PermissionDenied as error:
            return Response({"detail": str(error) or _("Permission denied.")}, status=403)
        except IntegrityError:
            return Response({"detail": _("A concurrent request with this key; retry.")}, status=409)


# --- documentation-only serializers (the forms validate) -------------------------------------


class _VictimDoc(serializers.ModelSerializer):
    class Meta:
        model = AllegedVictim
        fields = list(services.VICTIM_FIELDS)


class _ClaimDoc(serializers.ModelSerializer):
    class Meta:
        model = Claim
        fields = list(CLAIM_KEYS)


class _SourceDoc(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text="An existing source, instead.")

    class Meta:
        model = Source
        fields = ["id", *source_services.SOURCE_FIELDS]


class _DraftDoc(serializers.ModelSerializer):
    victims = _VictimDoc(many=True, required=False)
    claims = _ClaimDoc(many=True, required=False)
    sources = _SourceDoc(many=True, required=False)

    class Meta:
        model = Incident
        fields = [*INCIDENT_KEYS, "victims", "claims", "sources"]
        extra_kwargs = {"slug": {"required": False}}


class _CreatedDoc(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    status = serializers.CharField()
    victims = serializers.ListField(child=serializers.IntegerField())
    claims = serializers.ListField(child=serializers.IntegerField())
    sources = serializers.ListField(child=serializers.IntegerField())


class _LinkDoc(serializers.Serializer):
    incident = serializers.IntegerField()
    source = serializers.IntegerField()
    linked = serializers.BooleanField(help_text="False if the draft already cited it.")


class _FileDoc(serializers.Serializer):
    source = serializers.IntegerField(help_text="A source the draft cites.")
    file = serializers.FileField()
    is_graphic = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False)


class _FileCreatedDoc(serializers.Serializer):
    id = serializers.IntegerField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    is_restricted = serializers.BooleanField()


class _CorrectionDoc(serializers.Serializer):
    what = serializers.CharField()
    why = serializers.CharField()
    source = serializers.IntegerField(required=False, help_text="A source the incident cites.")
    source_url = serializers.URLField(required=False)


class _ProposalDoc(serializers.Serializer):
    id = serializers.IntegerField()
    incident = serializers.IntegerField()


_ERRORS = OpenApiResponse(
    description="Invalid input: field path (e.g. `victims[1].status`) to the reasons; "
    "nothing was written."
)
_COMMON = {
    400: _ERRORS,
    401: OpenApiResponse(description="No token, or an unknown, revoked or expired one."),
    403: OpenApiResponse(description="The token lacks the scope, or its user the permission."),
    422: OpenApiResponse(description="Idempotency-Key used before with another body."),
    429: OpenApiResponse(description="Too many requests for this token."),
}
_IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description=f"Makes a retry safe for {IDEMPOTENCY_HOURS} hours: the same key and body "
    "give the first answer again (header Idempotent-Replayed: true).",
)


class DraftCreateView(WriteView):
    required_scope = Scope.DRAFTS

    @extend_schema(
        tags=["write"],
        operation_id="write_incident_create",
        summary="Create a draft incident with its victims, claims and sources",
        request=_DraftDoc,
        responses={201: _CreatedDoc, **_COMMON},
        parameters=[_IDEMPOTENCY],
    )
    def post(self, request, **kwargs):
        return super().post(request, **kwargs)

    def write(self, request, **kwargs):
        by = request.user
        data = request.data
        errors = _check_keys(
            {k: v for k, v in data.items() if k not in ("victims", "claims", "sources")}
            if isinstance(data, dict)
            else data,
            INCIDENT_KEYS,
        )
        if not isinstance(data, dict):
            raise Refused(400, errors)
        victims = _list(data, "victims", errors)
        claims = _list(data, "claims", errors)
        sources = _list(data, "sources", errors)
        fields = {k: v for k, v in data.items() if k in INCIDENT_KEYS}
        if not fields.get("slug") and isinstance(fields.get("title"), str):
            fields["slug"] = _unique_slug(fields["title"])
        incident_form = IncidentAdminForm(
            data=_with_defaults(Incident, fields, Incident.PUBLIC_FIELDS)
        )
        if not incident_form.is_valid():
            errors.update(_form_errors(incident_form))
        victim_forms = []
        victim_form_class = type("ApiVictimForm", (VictimForm,), {"user": by})
        for n, item in enumerate(victims):
            bad = _check_keys(item, services.VICTIM_FIELDS, f"victims[{n}]")
            if bad:
                errors.update(bad)
                continue
            form = victim_form_class(
                data=_with_defaults(AllegedVictim, item, services.VICTIM_FIELDS)
            )
            if not form.is_valid():
                errors.update(_form_errors(form, f"victims[{n}]"))
            victim_forms.append(form)
        claim_forms = []
        for n, item in enumerate(claims):
            bad = _check_keys(item, CLAIM_KEYS, f"claims[{n}]")
            if bad:
                errors.update(bad)
                continue
            form = ClaimWriteForm(data=item)
            if not form.is_valid():
                errors.update(_form_errors(form, f"claims[{n}]"))
            claim_forms.append(form)
        if errors:
            raise Refused(400, errors)
        values = {k: v for k, v in incident_form.cleaned_data.items() if k in INCIDENT_KEYS}
        incident = self._service(lambda: services.incident_create(by=by, data=values))
        created = {"victims": [], "claims": [], "sources": []}
        for n, form in enumerate(victim_forms):
            victim_data = {k: form.cleaned_data[k] for k in services.VICTIM_FIELDS}
            victim = self._service(
                lambda d=victim_data: services.victim_create(incident=incident, by=by, data=d),
                f"victims[{n}]",
            )
            created["victims"].append(victim.pk)
        for n, form in enumerate(claim_forms):
            claim = self._service(
                lambda d=form.cleaned_data: services.claim_create(
                    incident=incident, by=by, data=dict(d)
                ),
                f"claims[{n}]",
            )
            created["claims"].append(claim.pk)
        for n, item in enumerate(sources):
            source = self._service(
                lambda i=item, n=n: _source_for(
                    data=i if isinstance(i, dict) else {},
                    by=by,
                    path=f"sources[{n}]",
                    errors=errors,
                ),
                f"sources[{n}]",
            )
            if source is None:
                continue
            services.incident_link_source(incident=incident, source=source, by=by)
            created["sources"].append(source.pk)
        if errors:
            raise Refused(400, errors)
        body = {"id": incident.pk, "slug": incident.slug, "status": incident.status, **created}
        return Response(body, status=201)

    @staticmethod
    def _service(call, path: str = ""):
        try:
            return call()
        except ValidationError as error:
            raise Refused(400, _refusal(error, path)) from None


class DraftSourceView(WriteView):
    required_scope = Scope.DRAFTS

    @extend_schema(
        tags=["write"],
        operation_id="write_incident_add_source",
        summary="Cite a source (new or existing) for a draft incident",
        request=_SourceDoc,
        responses={
            201: _LinkDoc,
            404: OpenApiResponse(description="No such incident."),
            409: OpenApiResponse(description="The incident is not a draft."),
            **_COMMON,
        },
        parameters=[_IDEMPOTENCY],
    )
    def post(self, request, **kwargs):
        return super().post(request, **kwargs)

    def write(self, request, pk):
        incident = _draft_of(request, pk)
        errors: dict = {}
        try:
            source = _source_for(data=request.data, by=request.user, path="", errors=errors)
        except ValidationError as error:
            raise Refused(400, _refusal(error)) from None
        if source is None:
            raise Refused(400, errors or {"non_field_errors": [_("Send a JSON object.")]})
        linked = services.incident_link_source(incident=incident, source=source, by=request.user)
        return Response({"incident": incident.pk, "source": source.pk, "linked": linked}, 201)


class FileForm(forms.Form):
    source = forms.IntegerField()
    file = forms.FileField()
    is_graphic = forms.BooleanField(required=False)
    notes = forms.CharField(required=False)


class DraftFileView(WriteView):
    required_scope = Scope.FILES
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=["write"],
        operation_id="write_incident_add_file",
        summary="Add an evidence file (kept restricted) to a source the draft cites",
        request={"multipart/form-data": _FileDoc},
        responses={
            201: _FileCreatedDoc,
            404: OpenApiResponse(description="No such incident."),
            409: OpenApiResponse(description="The incident is not a draft."),
            **_COMMON,
        },
        parameters=[_IDEMPOTENCY],
    )
    def post(self, request, **kwargs):
        return super().post(request, **kwargs)

    def write(self, request, pk):
        incident = _draft_of(request, pk)
        unknown = set(request.data) - {"source", "file", "is_graphic", "notes"}
        if unknown:
            raise Refused(400, {name: [_("Unknown field.")] for name in sorted(unknown)})
        form = FileForm(data=request.data, files=request.FILES)
        if not form.is_valid():
            raise Refused(400, _form_errors(form))
        source = incident.sources.filter(pk=form.cleaned_data["source"]).first()
        if source is None:
            raise Refused(400, {"source": [_("Not a source this draft cites.")]})
        try:
            source_file = source_services.source_file_add(
                source=source,
                uploaded=form.cleaned_data["file"],
                by=request.user,
                is_restricted=True,  # an editor releases files (cases.policy)
                is_graphic=form.cleaned_data["is_graphic"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            raise Refused(400, _refusal(error, "file")) from None
        body = {
            "id": source_file.pk,
            "sha256": source_file.sha256,
            "size": source_file.size,
            "is_restricted": source_file.is_restricted,
        }
        return Response(body, status=201)


class CorrectionView(WriteView):
    required_scope = Scope.CORRECTIONS

    @extend_schema(
        tags=["write"],
        operation_id="write_incident_propose_correction",
        summary="Propose a correction to a public incident (editors decide)",
        request=_CorrectionDoc,
        responses={
            201: _ProposalDoc,
            404: OpenApiResponse(description="No such public incident."),
            **_COMMON,
        },
        parameters=[_IDEMPOTENCY],
    )
    def post(self, request, **kwargs):
        return super().post(request, **kwargs)

    def write(self, request, pk):
        incident = get_object_or_404(Incident.objects.public(), pk=pk)
        bad = _check_keys(request.data, ("what", "why", "source", "source_url"))
        if bad:
            raise Refused(400, bad)
        form = CorrectionProposalForm(data=request.data, incident=incident)
        if not form.is_valid():
            raise Refused(400, _form_errors(form))
        try:
            proposal = services.correction_propose(
                incident=incident, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            raise Refused(400, _refusal(error)) from None
        return Response({"id": proposal.pk, "incident": incident.pk}, status=201)
