from django.urls import path

from cases import review, views

app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/<slug:slug>/", views.incident_detail, name="incident_detail"),
    path("about/verification/", views.about_verification, name="about_verification"),
    path("review/", review.review_queue, name="review_queue"),
    path("review/claims/<int:pk>/", review.review_claim, name="review_claim"),
    path("review/incidents/<int:pk>/", review.review_incident, name="review_incident"),
]
