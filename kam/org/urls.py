from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.index, name="index"),
    path("units/", views.unit_list, name="units"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/move/", views.unit_move, name="unit_move"),
    path("units/<int:pk>/deactivate/", views.unit_deactivate, name="unit_deactivate"),
    path("units/<int:pk>/activate/", views.unit_activate, name="unit_activate"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/password/", views.user_password, name="user_password"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/activate/", views.user_activate, name="user_activate"),
    path("users/<int:pk>/grants/", views.grant_add, name="grant_add"),
    path("grants/<int:pk>/remove/", views.grant_remove, name="grant_remove"),
]
