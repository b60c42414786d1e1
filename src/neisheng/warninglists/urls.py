app_name = "warninglists"
urlpatterns: list = []
