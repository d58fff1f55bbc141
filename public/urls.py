"""The incident pages. Sources and statements: ``source_urls``; files: ``file_urls``.

The namespaces name the records a page shows (``cases:``, ``sources:``, ``files:``), not the
app that serves it, so models' ``get_absolute_url`` and the templates need not know where the
views live (docs/decisions/0007-layout.md).
"""

from django.urls import path

from public import charts, dossier, figures, maps, views

app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/", views.incident_list, name="incident_list"),
    # issue 14: the pattern pages (before the incident page, whose slug would match "map").
    path("incidents/map/", maps.incident_map, name="incident_map"),
    path("incidents/map.json", maps.incident_map_data, name="incident_map_data"),
    path("incidents/timeline/", charts.incident_timeline, name="incident_timeline"),
    path("figures/", figures.figures_page, name="figures"),
    path("figures/series.csv", figures.series_csv, name="figures_csv"),
    # end issue 14
    path("incidents/<slug:slug>/", views.incident_detail, name="incident_detail"),
    path("incidents/<slug:slug>/dossier.pdf", dossier.incident_dossier, name="incident_dossier"),
    path("about/verification/", views.about_verification, name="about_verification"),
]
