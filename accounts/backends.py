from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef


class EmailBackend(ModelBackend):
    """Django's model backend; the user loaded for each request also says whether they run a restaurant.

    Every page's nav needs that flag, so it rides along with the user query
    instead of costing one more query per page.
    """

    def get_user(self, user_id):
        from bookings.models import RestaurantMember

        User = get_user_model()
        try:
            user = User._default_manager.annotate(
                has_memberships=Exists(RestaurantMember.objects.filter(user=OuterRef("pk")))
            ).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
