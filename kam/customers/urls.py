from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("bulk/reassign/", views.bulk_reassign, name="bulk-reassign"),
    path("bulk/archive/", views.bulk_archive, name="bulk-archive"),
    path("export/", views.export, name="export"),
    path("duplicates/", views.duplicates_check, name="duplicates"),
    path("contacts/duplicates/", views.contact_duplicates_check, name="contact-duplicates"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/tabs/<slug:key>/", views.customer_tab, name="tab"),
    path("<int:pk>/history/", views.customer_history, name="history"),
    path("<int:pk>/archive/", views.customer_archive, name="archive"),
    path("<int:pk>/restore/", views.customer_restore, name="restore"),
    path("<int:pk>/team/add/", views.account_team_add, name="team-add"),
    path("<int:pk>/team/<int:member_id>/remove/", views.account_team_remove, name="team-remove"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact"),
    path("contacts/<int:contact_id>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<int:contact_id>/remove/", views.contact_archive, name="contact-archive"),
    path("contacts/<int:contact_id>/restore/", views.contact_restore, name="contact-restore"),
]
