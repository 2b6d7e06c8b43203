from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from commissioning import views

admin.site.site_header = "Commissioning cycle administration"
admin.site.site_title = "Commissioning cycle"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("commissioning.api.urls")),
]
