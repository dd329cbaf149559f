from django.urls import path

import pollen.converters  # noqa: F401 - registers the <id:…> path converter
from pollen.grants import views

app_name = "grants"
urlpatterns = [
    path("", views.grant_list, name="list"),
    path("attribuer/<id:application_pk>/", views.award, name="award"),
    path("<id:pk>/", views.grant_detail, name="detail"),
    path("<id:pk>/convention.pdf", views.agreement_download, name="agreement_pdf"),
    path("<id:pk>/signature/", views.sign, name="sign"),
    path("<id:pk>/rapports/<str:kind>/", views.report, name="report"),
    path("versements/", views.payments, name="payments"),
    path("versements/export.csv", views.payments_csv, name="payments_csv"),
    path("versements/<id:pk>/<str:step>/", views.payment_step, name="payment_step"),
    path("programmes/<slug:slug>/", views.programme_dashboard, name="dashboard"),
]
