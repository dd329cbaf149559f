from django.contrib.auth import views as auth_views
from django.urls import path

import pollen.converters  # noqa: F401 - registers the <id:…> path converter
from pollen.accounts import proconnect, sign_in_views, views, ways_in_views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    # the second factor, confirming one's identity, passwords (sign_in_views.py)
    path("connexion/code/", sign_in_views.otp_verify, name="otp_verify"),
    path("connexion/second-facteur/", sign_in_views.otp_enrol, name="otp_enrol"),
    path("espace/codes-de-secours/", sign_in_views.otp_backup_codes, name="otp_backup_codes"),
    path("espace/confirmer/", sign_in_views.confirm_identity, name="reauth"),
    path(
        "espace/comptes/<id:pk>/second-facteur/",
        sign_in_views.reset_second_factor,
        name="second_factor_reset",
    ),
    path(
        "espace/mot-de-passe/",
        sign_in_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "mot-de-passe-oublie/",
        sign_in_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "mot-de-passe-oublie/envoye/",
        sign_in_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe-oublie/<uidb64>/<token>/",
        sign_in_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe-oublie/termine/",
        sign_in_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    # the ways in: creating one's account, ProConnect, invitations (ways_in_views.py)
    path("inscription/", ways_in_views.sign_up_page, name="sign_up"),
    path("inscription/envoye/", ways_in_views.sign_up_done, name="sign_up_done"),
    path(
        "inscription/confirmer/<str:token>/",
        ways_in_views.sign_up_confirm,
        name="sign_up_confirm",
    ),
    path("connexion/proconnect/", proconnect.ProConnectStart.as_view(), name="proconnect"),
    path(
        "connexion/proconnect/retour/",
        proconnect.ProConnectCallback.as_view(),
        name="proconnect_callback",
    ),
    path(
        "espace/programmes/<id:pk>/invitations/",
        ways_in_views.programme_invitations,
        name="programme_invitations",
    ),
    path("invitation/<str:token>/", ways_in_views.invitation_accept, name="invitation_accept"),
    path("espace/deconnexion-partout/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("espace/structure/", views.organisation, name="organisation"),
    path(
        "espace/structures/demandes/",
        views.organisation_changes,
        name="organisation_changes",
    ),
]
