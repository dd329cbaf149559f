from django.urls import path

import pollen.converters  # noqa: F401 - registers the <id:…> path converter
from pollen.instruction import application_views, views

# Mounted at /instruction/ beside pollen.expertise.urls: the paths are those of the former
# `review` app, so bookmarks and mailed links still work.
app_name = "instruction"
urlpatterns = [
    path("", views.index, name="index"),
    path("appels/<slug:slug>/", views.application_list, name="list"),
    path("appels/<slug:slug>/export.csv", views.export_csv, name="export_csv"),
    path("appels/<slug:slug>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("appels/<slug:slug>/actions/", views.bulk_action, name="bulk"),
    path("appels/<slug:slug>/affectation/", views.run_assignment, name="assign"),
    path("appels/<slug:slug>/affectation/regles/", views.pair_rules, name="pairs"),
    path(
        "appels/<slug:slug>/affectation/regles/<id:pk>/retirer/",
        views.pair_delete,
        name="pair_delete",
    ),
    path("experts/", views.expert_list, name="experts"),
    path("candidatures/<id:pk>/echanges/", application_views.thread, name="thread"),
    path("candidatures/<id:pk>/completude/", application_views.completeness, name="completeness"),
]
