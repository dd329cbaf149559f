from django.urls import path

from pollen.grants import views

app_name = "grants"
urlpatterns = [
    path("", views.grant_list, name="list"),
    path("attribuer/<int:application_pk>/", views.award, name="award"),
    path("<int:pk>/", views.grant_detail, name="detail"),
    path("<int:pk>/convention.pdf", views.agreement_download, name="agreement_pdf"),
    path("<int:pk>/signature/", views.sign, name="sign"),
    path("<int:pk>/rapports/<str:kind>/", views.report, name="report"),
    path("versements/", views.payments, name="payments"),
    path("versements/export.csv", views.payments_csv, name="payments_csv"),
    path("versements/<int:pk>/<str:step>/", views.payment_step, name="payment_step"),
    path("programmes/<slug:slug>/", views.programme_dashboard, name="dashboard"),
]
