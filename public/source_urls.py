from django.urls import path

from public import source_views

app_name = "sources"

urlpatterns = [
    path("sources/<int:pk>/", source_views.source_detail, name="source_detail"),
    path("statements/<int:pk>/", source_views.statement_detail, name="statement_detail"),
]
