from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Case tracker — data entry"
admin.site.site_title = "Case tracker admin"
admin.site.index_title = "Incidents, sources and statements"

# 400, 403 and 404 use Django's handlers with templates/400.html, 403.html, 404.html.
handler500 = "cases.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("_nested_admin/", include("nested_admin.urls")),
    path("", include("cases.urls")),
    path("", include("sources.urls")),
    path("", include("sources.file_urls")),
]
