"""The site's URLconf: login, home, history, health, the admin, the API — and every app's pages,
mounted where the app registered them (registry key ``urls``)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kam.core.registry import registry

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("history/", views.history, name="history"),
    path("me/", views.me, name="me"),
    path("me/token/revoke/", views.me_token_revoke, name="me-token-revoke"),
    path("lists/<slug:list_key>/filters/", views.saved_filter_create, name="saved-filter-create"),
    path("lists/filters/<int:pk>/delete/", views.saved_filter_delete, name="saved-filter-delete"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("kam.site.api_urls")),
    *(path(mount.prefix, include(mount.module)) for mount in registry["urls"]),
]
