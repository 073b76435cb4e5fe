from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("restaurant/<int:pk>/", views.restaurant_detail, name="restaurant-detail"),
    path("booking/<int:pk>/", views.booking_detail, name="booking-detail"),
    path("review/booking/<int:booking_id>/", views.review_create, name="review-create"),
]
