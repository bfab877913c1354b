from django.urls import path

from proposals import feeds

from . import views

app_name = "people"
urlpatterns = [
    path("delegates/", views.delegate_list, name="delegate_list"),
    path("delegates/<slug:slug>/", views.delegate_detail, name="delegate_detail"),
    path("delegates/<slug:slug>/feed/", feeds.DelegateFeed(), name="feed_delegate"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/<slug:slug>/", views.company_detail, name="company_detail"),
    path("companies/<slug:slug>/feed/", feeds.CompanyFeed(), name="feed_company"),
]
