"""The editors' review queue (/review/): the one workflow page outside the admin."""

from django.urls import path

from cases import review

app_name = "review"

urlpatterns = [
    path("review/", review.review_queue, name="review_queue"),
    path("review/claims/<int:pk>/", review.review_claim, name="review_claim"),
    path("review/incidents/<int:pk>/", review.review_incident, name="review_incident"),
    path("review/proposals/<int:pk>/", review.review_proposal, name="review_proposal"),
]
