"""issue 17: public incidents' history as the transparency log should hold it."""

from django.urls import path

from public import history_views

app_name = "history"

urlpatterns = [
    path(
        "transparency/incidents/<int:pk>/history.json",
        history_views.incident_history_json,
        name="incident_history_json",
    ),
]
