from django.urls import path

from . import views

app_name = "tabular"
urlpatterns = [
    path("", views.import_start, name="start"),
    path("templates/<slug:spec>/", views.import_template, name="template"),
    path("export/<slug:spec>/", views.export, name="export"),
    path("exports/<int:job_id>/", views.export_job, name="export-job"),
    path("exports/<int:job_id>/download/", views.export_download, name="export-download"),
    path("<slug:token>/", views.import_preview, name="preview"),
    path("<slug:token>/confirm/", views.import_confirm, name="confirm"),
    path("<slug:token>/report/", views.import_report, name="report"),
]
