"""REST API of the registry (Django REST Framework), with the same scope rules as pages."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
