from django.urls import path

from . import views

urlpatterns = [
    path("auth/token/", views.TokenLoginView.as_view(), name="api-token"),
]
