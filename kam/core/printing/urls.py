from django.urls import path

from . import views

app_name = "printing"
urlpatterns = [
    path("<slug:key>/<int:pk>/", views.print_view, name="view"),
    path("<slug:key>/<int:pk>/pdf/", views.pdf_view, name="pdf"),
]
