from django.urls import path

from pollen.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("espace/", views.dashboard, name="index"),
]
