"""/api/v1/attachments/{id}/ and …/download/ (a record's list is mounted by its app)."""

from django.urls import path

from . import api

urlpatterns = [
    path("attachments/<int:pk>/", api.AttachmentView.as_view(), name="api-attachment"),
    path("attachments/<int:pk>/download/", api.AttachmentDownloadView.as_view(), name="api-attachment-download"),
]
