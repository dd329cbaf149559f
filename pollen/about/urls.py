from django.urls import path

from pollen.about import views

app_name = "about"
urlpatterns = [
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.legal_notice, name="legal_notice"),
    path("plan-du-site/", views.sitemap, name="sitemap"),
]
