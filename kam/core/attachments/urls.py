from django.urls import path

from . import views

app_name = "attachments"
urlpatterns = [
    path("<str:model>/<int:pk>/upload/", views.upload, name="upload"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/remove/", views.remove, name="remove"),
]
