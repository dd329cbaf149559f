from django.urls import path

import pollen.converters  # noqa: F401 - registers the <id:…> path converter
from pollen.places import views

app_name = "places"
urlpatterns = [
    path("lieux/", views.directory, name="directory"),
    path("lieux/nouveau/", views.place_create, name="create"),
    path("lieux/importer/", views.import_places, name="import"),
    path("lieux/importer/<uuid:job_id>/", views.import_result, name="import_result"),
    path("lieux/export.csv", views.export_csv, name="export_csv"),
    path("lieux/<id:pk>/", views.place_detail, name="detail"),
    path("lieux/<id:pk>/modifier/", views.place_edit, name="edit"),
    path("couverture/", views.coverage, name="coverage"),
    path("couverture/implantations/", views.siting, name="siting"),
    path("couverture/carte.svg", views.map_svg, name="map_svg"),
    path("couverture/carte.pdf", views.map_download_pdf, name="map_pdf"),
    path("couverture/departements.geojson", views.outlines, name="outlines"),
]
