"""issue 17: evidence packages for prosecutors."""

from django.urls import path

from exchange import package_views

app_name = "packages"

urlpatterns = [
    path(
        "incidents/<slug:slug>/evidence-package.zip",
        package_views.evidence_package,
        name="evidence_package",
    ),
]
