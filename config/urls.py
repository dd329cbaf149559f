"""Pollen's URLs: each app brings its own."""

from django.contrib import admin
from django.urls import include, path

from config.observability import healthz, readyz
from pollen.calls.views import home

urlpatterns = [
    path("", home, name="home"),
    path("", include("pollen.calls.urls")),
    path("", include("pollen.applications.urls")),
    path("", include("pollen.accounts.urls")),
    path("", include("pollen.dashboard.urls")),
    path("", include("pollen.privacy.urls")),
    path("", include("pollen.about.urls")),
    path("territoire/", include("pollen.territory.urls")),
    path("", include("pollen.places.urls")),
    path("instruction/", include("pollen.instruction.urls")),
    path("instruction/", include("pollen.expertise.urls")),
    path("comite/", include("pollen.selection.urls")),
    path("travaux/", include("pollen.jobs.urls")),
    path("subventions/", include("pollen.grants.urls")),
    path("jams/", include("pollen.jam.urls")),
    path("donnees-ouvertes/", include("pollen.opendata.urls")),
    path("api/", include("pollen.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
# The 500 page is rendered without the request's context (what broke may be in it).
handler500 = "pollen.about.views.server_error"
