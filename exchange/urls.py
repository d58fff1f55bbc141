from django.urls import path

from exchange import views

app_name = "exchange"

urlpatterns = [
    # Before the incident pages' patterns: "export.csv" is not a slug, but keep the order obvious.
    path("incidents/export.csv", views.incident_export_csv, name="incident_export_csv"),
    path("incidents/export.json", views.incident_export_json, name="incident_export_json"),
    path("incidents/export.geojson", views.incident_export_geojson, name="incident_export_geojson"),
]
