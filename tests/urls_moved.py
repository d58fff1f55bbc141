"""A URL configuration with the incident pages elsewhere (tests/test_render_speed.py)."""

from django.urls import include, path

from public import views

cases_patterns = (
    [path("cases/<slug:slug>/", views.incident_detail, name="incident_detail")],
    "cases",
)
urlpatterns = [path("", include(cases_patterns))]
