"""The write API's routes, under /api/v1/write/ (exchange.write_api)."""

from django.urls import path

from exchange import write_api

app_name = "write"

urlpatterns = [
    path("incidents/", write_api.DraftCreateView.as_view(), name="incident_create"),
    path(
        "incidents/<int:pk>/sources/",
        write_api.DraftSourceView.as_view(),
        name="incident_add_source",
    ),
    path("incidents/<int:pk>/files/", write_api.DraftFileView.as_view(), name="incident_add_file"),
    path(
        "incidents/<int:pk>/corrections/",
        write_api.CorrectionView.as_view(),
        name="incident_propose_correction",
    ),
]
