"""Following URLs (namespace ``following``): the page, its actions, the feeds, unsubscribing."""

from django.urls import path

from following import views

app_name = "following"

urlpatterns = [
    path("following/", views.following, name="page"),
    path("following/unfollow/<str:openalex_id>/", views.unfollow, name="unfollow"),
    path("following/feed/reset/", views.feed_reset, name="feed_reset"),
    path("following/feed/<str:token>.atom", views.following_feed, name="feed"),
    path("following/digest/", views.digest, name="digest"),
    path("following/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("researchers/<str:openalex_id>/feed.atom", views.researcher_feed, name="researcher_feed"),
]
