from django.urls import path

from pollen.privacy import views

app_name = "privacy"
urlpatterns = [
    path("donnees-personnelles/", views.notice, name="notice"),
    path("espace/mes-donnees/", views.my_data, name="my_data"),
    path("espace/mes-donnees/telecharger/", views.download, name="download"),
    path("espace/fermer-mon-compte/", views.close_account, name="close_account"),
]
