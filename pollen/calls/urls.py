from django.urls import path

from pollen.calls import views

app_name = "calls"
urlpatterns = [path("appels/<slug:slug>/", views.call_detail, name="detail")]
