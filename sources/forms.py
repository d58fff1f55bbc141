from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.admin_base import reason_field
from sources import services
from sources.models import OfficialStatement, ReportedFigure, Source, SourceFile


def https_by_default(field, **kwargs):
    """Addresses typed without a scheme are https:// (Django 6's default, asked for today)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class SourceAdminForm(forms.ModelForm):
    correction_reason = reason_field()

    class Meta:
        model = Source
        fields = list(services.SOURCE_FIELDS)
        formfield_callback = https_by_default


class OfficialStatementAdminForm(forms.ModelForm):
    correction_reason = reason_field()

    class Meta:
        model = OfficialStatement
        fields = list(services.STATEMENT_FIELDS)


class ReportedFigureAdminForm(forms.ModelForm):
    correction_reason = reason_field()

    class Meta:
        model = ReportedFigure
        fields = ["statement", *services.FIGURE_FIELDS]


class SourceFileAdminForm(forms.ModelForm):
    correction_reason = reason_field()

    class Meta:
        model = SourceFile
        fields = ["is_restricted", "is_graphic", "notes"]


class SourceFileForm(forms.ModelForm):
    """A row of the files inline: a new row takes an upload, a kept file only its flags."""

    user = None  # set by the admin (cases.admin.UserFormMixin)
    sha256 = None  # of the upload, once checked

    upload = forms.FileField(
        label=_("file"),
        required=False,
        help_text=_("Video, audio, image, PDF, plain text, HTML or WARC."),
    )

    class Meta:
        model = SourceFile
        fields = ["is_restricted", "is_graphic", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2, "cols": 30})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Evidence is never replaced: a changed file is a new file with its own hash.
            self.fields["upload"].disabled = True
            self.fields["upload"].help_text = _("Kept files cannot be replaced.")
        else:
            # Releasing a file to readers is an editor's decision (cases.policy): a new file
            # is kept restricted unless an editor unticks the box.
            self.fields["is_restricted"].initial = True

    def clean_upload(self):
        uploaded = self.cleaned_data.get("upload")
        if self.instance.pk:
            return None
        if not uploaded:
            raise forms.ValidationError(_("Choose a file."), code="required")
        # Refuse here, as a form error, what the service would refuse: nothing gets stored.
        inspection = services.inspect_upload(uploaded=uploaded)
        services.check_not_held(sha256=inspection.sha256)
        self.sha256 = inspection.sha256
        return uploaded


class SourceFileFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            sha256 = getattr(form, "sha256", None)
            if sha256 and sha256 in seen:
                form.add_error("upload", _("The same file is chosen twice on this page."))
            seen.add(sha256)
