"""/api/v1/ — the schema, its docs, the change log and every app's API routes (registry key
``api_urls``)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from kam.core.registry import registry

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # the split view serves Swagger UI's initialiser as a script of its own (?script): no inline
    # script, so the page works under the Content-Security-Policy
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *(path(mount.prefix, include(mount.module)) for mount in registry["api_urls"]),
    path("", include("kam.site.api.urls")),
]
