"""/api/v1/changelog/."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("changelog", views.ChangeLogViewSet, basename="api-changelog")

urlpatterns = router.urls
