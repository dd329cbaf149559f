from django.urls import path

import pollen.converters  # noqa: F401 - registers the <id:…> path converter
from pollen.expertise import views

# Mounted at /instruction/ beside pollen.instruction.urls: the paths are those of the former
# `review` app, so bookmarks and mailed links still work.
app_name = "expertise"
urlpatterns = [
    path("appels/<slug:slug>/classement/", views.ranking, name="ranking"),
    path(
        "candidatures/<id:pk>/evaluations/",
        views.application_reviews,
        name="application_reviews",
    ),
    path("mes-evaluations/", views.my_reviews, name="my_reviews"),
    path("mes-evaluations/<id:pk>/", views.review, name="review"),
    path("mon-profil-expert/", views.my_profile, name="my_profile"),
    path("conflits/", views.declare_conflict, name="declare_conflict"),
]
