from django.urls import path

import pollen.converters  # noqa: F401 - registers the <id:…> path converter
from pollen.applications import submission_views, views

app_name = "applications"
urlpatterns = [
    path("appels/<slug:slug>/candidater/", views.new_application, name="new"),
    path("candidatures/<id:pk>/", views.application_detail, name="detail"),
    path("candidatures/<id:pk>/modifier/", views.edit_application, name="edit"),
    path("candidatures/<id:pk>/pieces/", views.upload_document, name="upload"),
    path("candidatures/<id:pk>/pieces/<id:doc_pk>/", views.download_document, name="document"),
    path(
        "candidatures/<id:pk>/pieces/<id:doc_pk>/retirer/",
        views.remove_document,
        name="remove_document",
    ),
    path("candidatures/<id:pk>/recapitulatif/", submission_views.recap, name="recap"),
    path("candidatures/<id:pk>/deposer/", submission_views.submit, name="submit"),
    path("candidatures/<id:pk>/rouvrir/", views.reopen, name="reopen"),
    path("candidatures/<id:pk>/recu/<int:round_number>/", submission_views.receipt, name="receipt"),
    path(
        "candidatures/<id:pk>/recu/<int:round_number>/pdf/",
        submission_views.receipt_download,
        name="receipt_pdf",
    ),
]
