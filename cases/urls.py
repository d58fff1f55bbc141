from django.urls import path

from cases import review, views

app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/", views.incident_list, name="incident_list"),
    # Before the detail pattern: "export.csv" is not a slug, but keep the order obvious.
    path("incidents/export.csv", views.incident_export_csv, name="incident_export_csv"),
    path("incidents/export.json", views.incident_export_json, name="incident_export_json"),
    path("incidents/export.geojson", views.incident_export_geojson, name="incident_export_geojson"),
    path("incidents/<slug:slug>/", views.incident_detail, name="incident_detail"),
    path("about/verification/", views.about_verification, name="about_verification"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("review/", review.review_queue, name="review_queue"),
    path("review/claims/<int:pk>/", review.review_claim, name="review_claim"),
    path("review/incidents/<int:pk>/", review.review_incident, name="review_incident"),
    path("review/proposals/<int:pk>/", review.review_proposal, name="review_proposal"),
]
