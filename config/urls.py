from django.contrib import admin
from django.urls import path

from commissioning import views

admin.site.site_header = "Commissioning cycle administration"
admin.site.site_title = "Commissioning cycle"

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
]
