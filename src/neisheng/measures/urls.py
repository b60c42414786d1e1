app_name = "measures"
urlpatterns: list = []
