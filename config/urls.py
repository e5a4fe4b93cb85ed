from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("kam.api_urls")),
    path("", include("kam.core.urls")),
    path("org/", include("kam.org.urls")),
    path("customers/", include("kam.customers.urls")),
]
