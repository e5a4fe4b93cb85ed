"""The project's URLconf is the site's (kam/site/urls.py assembles every app's)."""

from kam.site.urls import urlpatterns  # noqa: F401
