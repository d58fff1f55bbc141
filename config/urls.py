from django.contrib import admin
from django.urls import include, path

from cases.health import health

admin.site.site_header = "Case tracker — data entry"
admin.site.site_title = "Case tracker admin"
admin.site.index_title = "Incidents, sources and statements"

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("_nested_admin/", include("nested_admin.urls")),
    path("", include("cases.urls")),
    path("", include("sources.urls")),
    path("", include("sources.file_urls")),
]
