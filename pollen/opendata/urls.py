from django.urls import path

from pollen.opendata import views

app_name = "opendata"
urlpatterns = [
    path("", views.index, name="index"),
    path("subventions.csv", views.scdl_csv, name="scdl"),
]
