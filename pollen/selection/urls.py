from django.urls import path

import pollen.converters  # noqa: F401 - registers the <id:…> path converter
from pollen.selection import views

app_name = "selection"
urlpatterns = [
    path("", views.index, name="index"),
    path("appels/<slug:slug>/", views.committee, name="committee"),
    path("appels/<slug:slug>/scenarios/", views.run, name="run"),
    path("appels/<slug:slug>/scenarios/<id:pk>/", views.run_detail, name="run_detail"),
    path(
        "appels/<slug:slug>/scenarios/<id:pk>/probleme.json",
        views.problem_json,
        name="problem_json",
    ),
    path("appels/<slug:slug>/scenarios/<id:pk>/figer/", views.freeze, name="freeze"),
    path("appels/<slug:slug>/comparer/", views.compare, name="compare"),
    path("appels/<slug:slug>/decisions/", views.decisions, name="decisions"),
    path("candidatures/<id:pk>/decision/", views.decision, name="decision"),
    path("candidatures/<id:pk>/decision/lettre.pdf", views.letter, name="letter"),
]
