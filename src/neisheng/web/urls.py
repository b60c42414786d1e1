from django.urls import include, path
from django.utils.module_loading import autodiscover_modules
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from neisheng.accounts.urls import urlpatterns as accounts_urlpatterns
from neisheng.platform.api import api_urls
from neisheng.platform.user_urls import urlpatterns as user_admin_urlpatterns

# Each app registers its API endpoints on the platform's router in its own api.py.
autodiscover_modules("api")

# The error pages in the site's layout and the reader's language (web/error_views.py).
handler403 = "neisheng.web.error_views.permission_denied"
handler404 = "neisheng.web.error_views.page_not_found"
handler500 = "neisheng.web.error_views.server_error"

urlpatterns = [
    # One `accounts` namespace: sign-in (accounts) and user administration (platform pages,
    # which read users through scope and so cannot live in accounts).
    path("accounts/", include((accounts_urlpatterns + user_admin_urlpatterns, "accounts"))),
    path("accounts/", include("neisheng.platform.urls")),
    path("transfers/", include("neisheng.transfers.urls")),
    path("monitoring/", include("neisheng.monitoring.urls")),
    path("warnings/", include("neisheng.warninglists.urls")),
    path("cases/", include("neisheng.cases.urls")),
    path("measures/", include("neisheng.measures.urls")),
    path("grid/", include("neisheng.grid.urls")),
    path("visits/", include("neisheng.visits.urls")),
    path("problems/", include("neisheng.problems.urls")),
    path("feeds/", include("neisheng.feeds.urls")),
    path("assistance/", include("neisheng.assistance.urls")),
    path("projects/", include("neisheng.projects.urls")),
    path("surveys/", include("neisheng.surveys.urls")),
    path("archives/", include("neisheng.archives.urls")),
    path("honours/", include("neisheng.honours.urls")),
    path("councils/", include("neisheng.councils.urls")),
    path("jobs/", include("neisheng.platform.job_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include(api_urls())),
    path("", include("neisheng.registry.urls")),
]
