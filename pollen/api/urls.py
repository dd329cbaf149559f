from django.urls import path, re_path

import pollen.converters  # noqa: F401 - registers the <id:…> path converter
from pollen.api import views

app_name = "api"
urlpatterns = [
    path("openapi.json", views.openapi_json, name="openapi"),
    path("", views.docs, name="docs"),
    path("v1/calls", views.calls, name="calls"),
    path("v1/calls/<slug:slug>", views.call_detail, name="call"),
    path("v1/awards", views.awards, name="awards"),
    path("v1/places", views.places, name="places"),
    path("v1/coverage", views.coverage, name="coverage"),
    path("v1/staff/applications", views.staff_applications, name="staff_applications"),
    path(
        "v1/staff/applications/<id:pk>/status",
        views.application_status,
        name="application_status",
    ),
    path("v1/staff/applications/<id:pk>/notes", views.application_note, name="application_note"),
    # Last: whatever else is asked under /api/ (a line break in it included) answers JSON.
    re_path(r"^[\s\S]*$", views.not_found),
]
