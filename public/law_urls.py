"""Legal provisions and their elements (issue 18), namespace ``law:``."""

from django.urls import path

from public import law_views

app_name = "law"

urlpatterns = [
    path("law/", law_views.provision_list, name="provision_list"),
    path("law/<slug:code>/", law_views.provision_detail, name="provision_detail"),
]
