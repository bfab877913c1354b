from django.urls import path

from . import views

app_name = "follow"
urlpatterns = [
    path("proposal/<int:key>/", views.follow, {"kind": "proposal"}, name="proposal"),
    path("theme/<slug:key>/", views.follow, {"kind": "theme"}, name="theme"),
    path("delegate/<slug:key>/", views.follow, {"kind": "delegate"}, name="delegate"),
    path("company/<slug:key>/", views.follow, {"kind": "company"}, name="company"),
    path("authority/<slug:key>/", views.follow, {"kind": "authority"}, name="authority"),
    path("search/", views.follow_search, name="search"),
    path("sent/", views.sent, name="sent"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("stop/<str:token>/", views.stop, name="stop"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("webhooks/new/", views.register_webhook, name="register_webhook"),
]
