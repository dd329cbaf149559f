from django.urls import path

from pollen.territory import views

app_name = "territory"
urlpatterns = [path("communes/recherche/", views.commune_search, name="commune_search")]
