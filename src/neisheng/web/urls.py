from django.urls import include, path
from django.utils.module_loading import autodiscover_modules
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from neisheng.platform.api import api_urls

# Each app registers its API endpoints on the platform's router in its own api.py.
autodiscover_modules("api")

urlpatterns = [
    path("accounts/", include("neisheng.accounts.urls")),
    path("accounts/", include("neisheng.platform.urls")),
    path("transfers/", include("neisheng.transfers.urls")),
    path("monitoring/", include("neisheng.monitoring.urls")),
    path("jobs/", include("neisheng.platform.job_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include(api_urls())),
    path("", include("neisheng.registry.urls")),
]
