from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from . import feeds, views

app_name = "proposals"
urlpatterns = [
    # Every page carries the language switch. With a CSRF token in it, every page would set a csrftoken
    # cookie, and the response cache never stores a response that sets a cookie. A forged switch can only
    # change the language someone reads in, so this one form goes without the token.
    path("language/", csrf_exempt(set_language), name="set_language"),
    path("", views.home, name="home"),
    path("search/", views.site_search, name="search"),
    path("themes/", views.theme_list, name="theme_list"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme_detail"),
    path("themes/<slug:slug>/feed/", feeds.ThemeFeed(), name="feed_theme"),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/feed/", feeds.StatusChangesFeed(), name="feed_all"),
    path("proposals/<int:pk>/", views.proposal_by_id, name="proposal_by_id"),
    path("proposals/<int:pk>/feed/", feeds.ProposalFeed(), name="feed_proposal"),
    path("proposals/<int:pk>-<slug:slug>/", views.proposal_detail, name="proposal_detail"),
    path("sources/<int:pk>/", views.source_text, name="source_text"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/<slug:slug>/", views.session_detail, name="session_detail"),
    path("authorities/", views.authority_list, name="authority_list"),
    path("authorities/<slug:slug>/", views.authority_detail, name="authority_detail"),
]
