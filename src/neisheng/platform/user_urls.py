"""User administration (RuoYi's 用户管理/角色管理), named in the `accounts` namespace.

The pages live in the platform layer because they read users through scope (a division's
administrator sees only its users); web/urls.py joins these patterns to accounts/urls.py
under one namespace: accounts:user_list, accounts:user_detail, accounts:roles …"""

from django.urls import path

from neisheng.platform import user_views

urlpatterns = [
    path("users/", user_views.user_list, name="user_list"),
    path("users/new/", user_views.user_new, name="user_new"),
    path("users/<int:pk>/", user_views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", user_views.user_edit, name="user_edit"),
    path("users/<int:pk>/disable/", user_views.user_disable, name="user_disable"),
    path("users/<int:pk>/enable/", user_views.user_enable, name="user_enable"),
    path("users/<int:pk>/password/", user_views.user_password, name="user_password"),
    path("roles/", user_views.roles, name="roles"),
]
