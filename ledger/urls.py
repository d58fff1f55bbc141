from django.urls import path

from ledger import views

app_name = "ledger"

urlpatterns = [
    path("transparency/", views.overview, name="overview"),
    path("transparency/tree-head.json", views.tree_head, name="tree_head"),
    path("transparency/entries.json", views.entries, name="entries"),
    path("transparency/entries/<int:index>/", views.entry_page, name="entry"),
    path("transparency/entries/<int:index>.json", views.entry_json, name="entry_json"),
    path("transparency/proof/inclusion.json", views.inclusion, name="inclusion"),
    path("transparency/proof/consistency.json", views.consistency, name="consistency"),
]
