from django.urls import path

from pollen.applications import views

app_name = "applications"
urlpatterns = [
    path("appels/<slug:slug>/candidater/", views.new_application, name="new"),
    path("candidatures/<int:pk>/", views.application_detail, name="detail"),
    path("candidatures/<int:pk>/modifier/", views.edit_application, name="edit"),
    path("candidatures/<int:pk>/pieces/", views.upload_document, name="upload"),
    path("candidatures/<int:pk>/pieces/<int:doc_pk>/", views.download_document, name="document"),
    path(
        "candidatures/<int:pk>/pieces/<int:doc_pk>/retirer/",
        views.remove_document,
        name="remove_document",
    ),
    path("candidatures/<int:pk>/deposer/", views.submit, name="submit"),
    path("candidatures/<int:pk>/rouvrir/", views.reopen, name="reopen"),
    path("candidatures/<int:pk>/recu/<int:round_number>/", views.receipt, name="receipt"),
    path(
        "candidatures/<int:pk>/recu/<int:round_number>/pdf/",
        views.receipt_download,
        name="receipt_pdf",
    ),
]
