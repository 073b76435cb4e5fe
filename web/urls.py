from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("restaurant/<int:pk>/", views.restaurant_detail, name="restaurant-detail"),
    path("restaurant/<int:pk>/book/", views.book, name="book"),
    path("api/restaurants/<int:pk>/availability/", views.availability_api, name="availability-api"),
    path("booking/", views.booking_list, name="booking-list"),
    path("booking/<int:pk>/", views.booking_detail, name="booking-detail"),
    path("booking/<int:pk>/cancel/", views.booking_cancel, name="booking-cancel"),
    path("review/booking/<int:booking_id>/", views.review_create, name="review-create"),
    path("review/<int:pk>/edit/", views.review_update, name="review-update"),
    path("review/<int:pk>/delete/", views.review_delete, name="review-delete"),
]
