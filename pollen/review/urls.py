from django.urls import path

import pollen.converters  # noqa: F401 - registers the <id:…> path converter
from pollen.review import application_views, expert_views, views

app_name = "review"
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
    path("appels/<slug:slug>/classement/", views.ranking, name="ranking"),
    path("experts/", views.expert_list, name="experts"),
    path("candidatures/<id:pk>/echanges/", application_views.thread, name="thread"),
    path("candidatures/<id:pk>/completude/", application_views.completeness, name="completeness"),
    path(
        "candidatures/<id:pk>/evaluations/",
        application_views.application_reviews,
        name="application_reviews",
    ),
    path("mes-evaluations/", expert_views.my_reviews, name="my_reviews"),
    path("mes-evaluations/<id:pk>/", expert_views.review, name="review"),
    path("mon-profil-expert/", expert_views.my_profile, name="my_profile"),
    path("conflits/", expert_views.declare_conflict, name="declare_conflict"),
]
