from django.contrib.auth import views as auth_views
from django.urls import path

from pollen.accounts import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("espace/", views.dashboard, name="dashboard"),
    path("espace/deconnexion-partout/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("espace/structure/", views.organisation, name="organisation"),
    path(
        "espace/structures/demandes/",
        views.organisation_changes,
        name="organisation_changes",
    ),
]
