"""/api/v1/customers/, /api/v1/contacts/."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("customers", views.CustomerViewSet, basename="api-customer")
router.register("contacts", views.ContactViewSet, basename="api-contact")

urlpatterns = router.urls
