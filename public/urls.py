"""The incident pages. Sources and statements: ``source_urls``; files: ``file_urls``.

The namespaces name the records a page shows (``cases:``, ``sources:``, ``files:``), not the
app that serves it, so models' ``get_absolute_url`` and the templates need not know where the
views live (docs/decisions/0007-layout.md).
"""

from django.urls import path

from public import views

app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/<slug:slug>/", views.incident_detail, name="incident_detail"),
    path("about/verification/", views.about_verification, name="about_verification"),
]
