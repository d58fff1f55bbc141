from django.urls import path

from public import file_views

app_name = "files"

urlpatterns = [
    path("files/<int:pk>/download/", file_views.download, name="download"),
    path("files/<int:pk>/warning/", file_views.warning, name="warning"),
    path("verify-file/", file_views.verify_file, name="verify"),
]
