from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("accounts/", include("neisheng.accounts.urls")),
    path("transfers/", include("neisheng.transfers.urls")),
    path("monitoring/", include("neisheng.monitoring.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("neisheng.registry.api")),
    path("", include("neisheng.registry.urls")),
]
