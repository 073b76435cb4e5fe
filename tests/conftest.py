import pytest
from django.core.cache import cache
from django.utils import translation

from tests.factories import make_restaurant, make_user


@pytest.fixture(autouse=True)
def _isolated(request, settings, tmp_path, django_db_blocker):
    """Uploads go to a temporary folder, email to memory, and the (database) cache starts empty."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests
    # LocaleMiddleware leaves the last request's language active on the thread: start each test in English.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if uses_db:
        with django_db_blocker.unblock():
            cache.clear()


@pytest.fixture
def diner(db):
    return make_user(email="diner@test.example", display_name="Dana Diner", phone="010-1111-2222")


@pytest.fixture
def other_diner(db):
    return make_user(email="other@test.example", display_name="Otto Other")


@pytest.fixture
def operator(db):
    return make_user(email="operator@test.example", display_name="Olivia Operator")


@pytest.fixture
def other_operator(db):
    return make_user(email="rival@test.example", display_name="Rita Rival")


@pytest.fixture
def staff_member(db):
    return make_user(email="staff@test.example", display_name="Sam Staff")


@pytest.fixture
def admin_user(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser(email="admin@test.example", password="admin-pass-123")


@pytest.fixture
def restaurant(operator, staff_member):
    """Owned by `operator`, with `staff_member` as staff; one 18:00 service of 20 seats daily."""
    return make_restaurant(name="Test Bistro", owner=operator, staff=staff_member)


@pytest.fixture
def other_restaurant(other_operator):
    return make_restaurant(name="Rival Diner", owner=other_operator)


@pytest.fixture
def browser():
    """Headless Chromium at phone width (tests using it carry tests.browser.BROWSER_TEST_MARKS)."""
    pytest.importorskip("selenium.webdriver", reason="needs selenium: pip install -r requirements-dev.txt")
    from tests.browser import start_chromium

    driver = start_chromium()
    yield driver
    driver.quit()
