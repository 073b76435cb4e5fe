from django.urls import path

from . import views

app_name = "office"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("restaurant/", views.restaurant_list, name="restaurant-list"),
    path("restaurant/create/", views.restaurant_create, name="restaurant-create"),
    path("restaurant/<int:pk>/update/", views.restaurant_update, name="restaurant-update"),
    path("restaurant/<int:pk>/delete/", views.restaurant_delete, name="restaurant-delete"),
    path("restaurant/<int:pk>/members/", views.member_list, name="member-list"),
    path("restaurant/<int:pk>/members/<int:member_id>/remove/", views.member_remove, name="member-remove"),
    path("restaurant/<int:pk>/photos/", views.photo_list, name="photo-list"),
    path("restaurant/<int:pk>/photos/<int:photo_id>/update/", views.photo_update, name="photo-update"),
    path("restaurant/<int:pk>/photos/<int:photo_id>/main/", views.photo_main, name="photo-main"),
    path("restaurant/<int:pk>/photos/<int:photo_id>/move/", views.photo_move, name="photo-move"),
    path("restaurant/<int:pk>/photos/<int:photo_id>/delete/", views.photo_delete, name="photo-delete"),
    path("restaurant/<int:pk>/seating/", views.seating, name="seating"),
    path("restaurant/<int:pk>/seating/weekly/", views.seating_weekly, name="seating-weekly"),
    path("restaurant/<int:pk>/seating/rules/", views.seating_rules, name="seating-rules"),
    path("restaurant/<int:pk>/seating/exception/", views.seating_exception, name="seating-exception"),
    path(
        "restaurant/<int:pk>/seating/exception/<int:exception_id>/delete/",
        views.seating_exception_delete,
        name="seating-exception-delete",
    ),
    path("restaurant/<int:pk>/booking/create/", views.booking_create, name="booking-create"),
    path("booking/", views.booking_list, name="booking-list"),
    path("booking/export/", views.booking_export, name="booking-export"),
    path("booking/<int:pk>/", views.booking_detail, name="booking-detail"),
]
