import ast
import gettext
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from bookings.services import MSG_NOT_CANCELLABLE

PO_PATH = settings.BASE_DIR / "locale" / "ko" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|<[^>]+>")


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- pages a Korean visitor sees -------------------------------------------------------------


@pytest.mark.django_db
def test_home_is_korean_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"

    page = html(client.get(reverse("web:home")))

    assert '<html lang="ko">' in page
    assert "식당 찾기" in page  # Find a table
    assert "본문 바로가기" in page  # Skip to content
    assert "로그인" in page and "회원가입" in page
    assert "Find a table" not in page


def test_restaurant_page_is_korean_with_accept_language(client, restaurant):
    day = timezone.localdate() + timedelta(days=2)
    url = reverse("web:restaurant-detail", args=[restaurant.pk]) + f"?date={day}&party_size=2"

    page = html(client.get(url, headers={"accept-language": "ko-KR,ko;q=0.9,en;q=0.5"}))

    assert "좌석 예약" in page  # Book a table
    assert "시간 보기" in page  # Show times
    assert "20석 남음" in page  # 20 seats left (plural form of a Korean catalogue)
    assert "Book a table" not in page


def test_login_page_is_korean(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"

    page = html(client.get(reverse("accounts:login")))

    assert "비밀번호를 잊으셨나요?" in page  # Forgot your password?
    assert "처음 오셨나요?" in page  # New here?
    assert "Forgot your password?" not in page


def test_office_dashboard_is_korean(client, operator, restaurant):
    client.force_login(operator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"

    page = html(client.get(reverse("office:dashboard")))

    assert "운영자 사무실" in page  # Office
    assert "오늘 예약" in page  # Today's bookings
    assert "Today's bookings" not in page


def test_english_stays_the_default(client, operator, restaurant):
    home = html(client.get(reverse("web:home")))
    login = html(client.get(reverse("accounts:login")))
    client.force_login(operator)
    office = html(client.get(reverse("office:dashboard")))

    assert '<html lang="en">' in home and "Find a table" in home and "식당 찾기" not in home
    assert "Forgot your password?" in login and "비밀번호" not in login
    assert "Today's bookings" in office and "오늘 예약" not in office


def test_an_unsupported_browser_language_gets_english(client, db):
    page = html(client.get(reverse("web:home"), headers={"accept-language": "fr-FR,fr;q=0.9"}))

    assert '<html lang="en">' in page and "Find a table" in page


def test_the_footer_switcher_sets_korean_for_later_pages(client, db):
    response = client.post(reverse("set_language"), {"language": "ko", "next": reverse("web:home")})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    assert "식당 찾기" in html(client.get(reverse("web:home")))


def test_availability_api_errors_follow_the_language(client, restaurant):
    url = reverse("web:availability-api", args=[restaurant.pk])

    response = client.get(url, {"date": "not-a-date", "party_size": 2}, headers={"accept-language": "ko"})

    assert response.status_code == 400
    assert response.json()["error"] == "date는 YYYY-MM-DD 형식의 날짜여야 합니다."


def test_service_error_constants_are_translated():
    with translation.override("ko"):
        message = str(MSG_NOT_CANCELLABLE) % {"status": "취소됨"}

    assert message == "이 예약은 이미 취소됨 상태라 취소할 수 없습니다."


# --- the catalogue itself ----------------------------------------------------------------------


def parse_po(path):
    """Entries of a .po file as dicts: msgctxt, msgid, msgid_plural, msgstr, msgstr[N], flags (stdlib only)."""
    entries, entry, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line or line.startswith("#~"):  # blank line ends an entry; #~ are obsolete entries
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        if entry is None:
            entry = {"flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def catalogue_key(entry):
    """The key gettext gives an entry in a compiled catalogue (a context is joined with EOT)."""
    return f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]


@pytest.fixture(scope="module")
def po_entries():
    entries = parse_po(PO_PATH)
    assert len(entries) > 100, "the Korean catalogue looks empty"
    return entries


def test_every_entry_is_translated_and_not_fuzzy(po_entries):
    header, *messages = po_entries
    assert header["msgid"] == ""
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]
    assert "fuzzy" not in header["flags"]

    problems = []
    for entry in messages:
        translations = [entry[k] for k in entry if k.startswith("msgstr")]
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {entry['msgid']!r}")
        if not translations or not all(translations):
            problems.append(f"untranslated: {entry['msgid']!r}")
        if "msgid_plural" in entry and {k for k in entry if k.startswith("msgstr")} != {"msgstr[0]"}:
            problems.append(f"Korean has one plural form (msgstr[0] only): {entry['msgid']!r}")
        for source in filter(None, (entry["msgid"], entry.get("msgid_plural"))):
            for text in translations:
                if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                    problems.append(f"placeholders differ: {source!r} -> {text!r}")
    assert problems == [], "run `make messages` and translate:\n" + "\n".join(problems)


def test_compiled_mo_matches_the_po(po_entries):
    with MO_PATH.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog

    expected = {}
    for entry in po_entries[1:]:
        key = catalogue_key(entry)
        if "msgid_plural" in entry:
            expected[(key, 0)] = entry["msgstr[0]"]
        else:
            expected[key] = entry["msgstr"]
    compiled = {k: v for k, v in compiled.items() if k != ""}
    assert compiled == expected, "django.mo is stale: run `make messages` and commit locale/ko/LC_MESSAGES/django.mo"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext's msgfmt: apt-get install gettext")
def test_po_passes_msgfmt_check(tmp_path):
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own file
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(PO_PATH)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
