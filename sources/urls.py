from django.urls import path

from sources import views

app_name = "sources"

urlpatterns = [
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("statements/<int:pk>/", views.statement_detail, name="statement_detail"),
]
