"""Forms for entering and verifying records (used by the admin and the review pages)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases import policy
from cases.models import AllegedVictim, Claim, Incident
from cases.services import VICTIM_FIELDS, StaleEdit, check_version
from core.forms import reason_field

VERIFICATION_FIELDS = ("status", "rationale", "methods")


class VersionedFormMixin:
    """Carries the version the user loaded; a save against a newer version is refused."""

    def add_version_field(self):
        self.fields["loaded_version"].initial = self.instance.version

    def check_loaded_version(self):
        if not self.instance.pk:
            return
        loaded = self.cleaned_data.get("loaded_version")
        try:
            check_version(self.instance, loaded)
        except StaleEdit as error:
            raise ValidationError(error.messages, code="stale") from None


class OriginalLanguageFormMixin:
    """The original's language defaults to the record's current one (English for a new record)
    when a form leaves it out: older clients, scripts and inline rows posted without it."""

    language_field = ""

    def setup_language_field(self):
        if self.language_field in self.fields:
            self.fields[self.language_field].required = False

    def clean_language(self):
        value = self.cleaned_data.get(self.language_field)
        return value or getattr(self.instance, self.language_field) or "en"


class IncidentAdminForm(OriginalLanguageFormMixin, VersionedFormMixin, forms.ModelForm):
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    correction_reason = reason_field()

    class Meta:
        model = Incident
        fields = ["slug", *Incident.PUBLIC_FIELDS]

    language_field = "original_language"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_version_field()
        self.setup_language_field()

    def clean_original_language(self):
        return self.clean_language()

    def clean(self):
        cleaned = super().clean()
        posted_status = self.data.get("status")
        if posted_status is not None and posted_status != self.instance.status:
            # The status is not a field of this form; a posted one is a crafted request.
            raise ValidationError(
                _(
                    "The publication status changes only through the workflow buttons "
                    "(submit, publish, retract ...)."
                ),
                code="status",
            )
        self.check_loaded_version()
        return cleaned


class ClaimForm(OriginalLanguageFormMixin, VersionedFormMixin, forms.ModelForm):
    """A claim's text and, for those allowed, its verification.

    The admin hands the text fields to ``claim_create``/``claim_update`` and a changed status to
    ``claim_change_status`` (``verification_change``); the services check every permission.
    Users without ``cases.verify_claim`` see the verification fields disabled, and a value
    posted for them anyway (a crafted request) is shown as an error.
    """

    user = None  # set by the admin's get_formset / get_form
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    correction_reason = reason_field()

    class Meta:
        model = Claim
        fields = [
            "text",
            "text_language",
            "text_en",
            "text_uk",
            "claimant",
            "statement",
            "status",
            "rationale",
            "methods",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "text_en": forms.Textarea(attrs={"rows": 2}),
            "text_uk": forms.Textarea(attrs={"rows": 2}),
            "rationale": forms.Textarea(attrs={"rows": 3}),
        }

    language_field = "text_language"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_version_field()
        self.setup_language_field()
        if not self.may_verify:
            for name in VERIFICATION_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Only editors can change this.")

    def clean_text_language(self):
        return self.clean_language()

    @property
    def may_verify(self) -> bool:
        return self.user is not None and self.user.has_perm(policy.VERIFY)

    def clean(self):
        cleaned = super().clean()
        if not self.may_verify:
            for name in self.crafted_verification_changes():
                self.add_error(
                    name, _("You do not have permission to change the verification status.")
                )
        self.check_loaded_version()
        return cleaned

    def crafted_verification_changes(self) -> list[str]:
        """Verification fields that were posted with a value other than the stored one.

        Disabled fields are not submitted by browsers and Django ignores them if they are; a
        value posted for one can only come from a crafted request, which deserves an error.
        """
        changed = []
        for name in VERIFICATION_FIELDS:
            key = self.add_prefix(name)
            if key not in self.data:
                continue
            field = self.fields[name]
            initial = self.get_initial_for_field(field, name)
            try:
                value = field.to_python(
                    field.widget.value_from_datadict(self.data, self.files, key)
                )
            except ValidationError:
                changed.append(name)
                continue
            if isinstance(value, list):
                value, initial = sorted(value), sorted(initial or [])
            if value != initial:
                changed.append(name)
        return changed


def verification_change(form: ClaimForm) -> dict | None:
    """The status, rationale and methods a claim form asks for, when they differ from before."""
    wanted = {name: form.cleaned_data.get(name) for name in VERIFICATION_FIELDS}
    wanted["rationale"] = wanted["rationale"] or ""
    wanted["methods"] = list(wanted["methods"] or [])
    before = {
        name: form.initial.get(name, form.fields[name].initial) for name in VERIFICATION_FIELDS
    }
    before["rationale"] = before["rationale"] or ""
    before["methods"] = list(before["methods"] or [])
    if wanted["status"] is None:
        return None
    same = (
        wanted["status"] == (before["status"] or Claim.Status.UNVERIFIED)
        and wanted["rationale"].strip() == before["rationale"].strip()
        and sorted(wanted["methods"]) == sorted(before["methods"])
    )
    return None if same else wanted


class VictimForm(forms.ModelForm):
    """An alleged victim. Only those who may reveal identities can tick "identity public"."""

    user = None  # set by the admin

    class Meta:
        model = AllegedVictim
        fields = list(VICTIM_FIELDS)
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "identity_reason": forms.Textarea(attrs={"rows": 2, "cols": 30}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not (self.user and self.user.has_perm(policy.REVEAL_IDENTITY)):
            for name in ("identity_public", "identity_reason"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Only editors decide this.")


class CorrectionProposalForm(forms.Form):
    """What a researcher asks the editors to correct on a public incident, and why."""

    what = forms.CharField(
        label=_("What should change"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        help_text=_("Name the field or claim and the words or value it should have."),
    )
    why = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        help_text=_("Editors see this; if they make the correction, readers see their reason."),
    )
    source = forms.ModelChoiceField(
        label=_("Supporting source already recorded"), queryset=None, required=False
    )
    source_url = forms.URLField(
        label=_("Or a link to a new source"), required=False, assume_scheme="https"
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = incident.sources.order_by("title")
        self.incident = incident


class ClaimReviewForm(forms.Form):
    """An editor's decision on one claim in the review queue."""

    status = forms.ChoiceField(label=_("Status"), choices=Claim.Status.choices)
    methods = forms.MultipleChoiceField(
        label=_("Methods"),
        choices=Claim._meta.get_field("methods").choices_enum.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for any status other than Unverified."),
    )
    loaded_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, claim: Claim, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "status": claim.status,
                "methods": claim.methods,
                "rationale": claim.rationale,
                "loaded_version": claim.version,
            },
        )
        kwargs.setdefault("prefix", f"claim-{claim.pk}")
        super().__init__(*args, **kwargs)
        self.claim = claim


class IncidentDecisionForm(forms.Form):
    """An editor's publication decision on an incident submitted for review."""

    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[("publish", _("Publish")), ("return_to_draft", _("Send back to draft"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when sending back: the researcher reads it."),
    )
    loaded_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, incident: Incident, **kwargs):
        kwargs.setdefault("initial", {"loaded_version": incident.version})
        kwargs.setdefault("prefix", f"incident-{incident.pk}")
        super().__init__(*args, **kwargs)
        self.incident = incident


class ProposalDecisionForm(forms.Form):
    """An editor's decision on a researcher's proposed correction."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("accept", _("Accepted: I made the correction (with its public reason)")),
            ("decline", _("Declined")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note to the researcher"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when declining."),
    )

    def __init__(self, *args, proposal, **kwargs):
        kwargs.setdefault("prefix", f"proposal-{proposal.pk}")
        super().__init__(*args, **kwargs)
        self.proposal = proposal
