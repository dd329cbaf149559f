"""A job is named by its UUID, not a database id: <uuid:…> answers 404 to anything else."""

from django.urls import path

from pollen.jobs import views

app_name = "jobs"
urlpatterns = [
    path("<uuid:job_id>/", views.detail, name="detail"),
    path("<uuid:job_id>/etat/", views.state, name="state"),
    path("<uuid:job_id>/etat.json", views.state_json, name="state_json"),
    path("<uuid:job_id>/fichier/", views.download, name="file"),
]
