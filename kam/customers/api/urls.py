"""/api/v1/customers/, /api/v1/contacts/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from kam.core.attachments.api import OwnerAttachmentsView

from . import views

router = SimpleRouter()
router.register("customers", views.CustomerViewSet, basename="api-customer")
router.register("contacts", views.ContactViewSet, basename="api-contact")

urlpatterns = [
    # the customer's files (R2.2): the attachments engine of kam.core, for this model
    path(
        "customers/<int:pk>/attachments/",
        OwnerAttachmentsView.as_view(owner_model="customers.Customer"),
        name="api-customer-attachments",
    ),
    *router.urls,
]
