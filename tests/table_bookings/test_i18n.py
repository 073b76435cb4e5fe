import ast
import gettext
import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from bookings.services import MSG_NOT_CANCELLABLE
from web.views import MSG_API_BAD_DATE

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
    with translation.override("ko"):
        korean = str(MSG_API_BAD_DATE)
    assert response.json()["error"] == korean
    assert korean.startswith("date는 ") and "YYYY-MM-DD" in korean


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


# --- the catalogue covers the code ---------------------------------------------------------------

GETTEXT_CALLS = {  # name -> (index of the context argument or None, index of the msgid argument)
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}
# What `make messages` skips (besides hidden folders); locale/ holds no source.
NOT_SCANNED = {".venv", "staticfiles", "media", "bench", "tests", "locale", "node_modules"}
STRING = r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
TEMPLATIZED_CALL = re.compile(rf"\b(gettext|ngettext|pgettext|npgettext|_)\((\s*{STRING}(?:\s*,\s*{STRING})*)")
QUOTED = re.compile(STRING)


def source_files(*suffixes):
    for folder, subfolders, files in os.walk(settings.BASE_DIR):
        subfolders[:] = sorted(d for d in subfolders if d not in NOT_SCANNED and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(suffixes):
                yield Path(folder) / name


def gettext_calls(path):
    """(msgid key, inside an f-string?) for every gettext-family call with literal strings in a Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_fstring = {
        id(node) for joined in ast.walk(tree) if isinstance(joined, ast.JoinedStr) for node in ast.walk(joined)
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in GETTEXT_CALLS:
            continue
        context_at, msgid_at = GETTEXT_CALLS[name]
        args = [
            arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None for arg in node.args
        ]
        if len(args) > msgid_at and args[msgid_at] is not None:
            entry = {"msgid": args[msgid_at]}
            if context_at is not None and args[context_at] is not None:
                entry["msgctxt"] = args[context_at]
            yield catalogue_key(entry), id(node) in in_fstring


def msgids_in_template(path):
    from django.utils.translation.template import templatize

    for name, arguments in TEMPLATIZED_CALL.findall(templatize(path.read_text(encoding="utf-8"))):
        strings = [ast.literal_eval(quoted) for quoted in QUOTED.findall(arguments)]
        if name in {"pgettext", "npgettext"}:
            yield catalogue_key({"msgctxt": strings[0], "msgid": strings[1]})
        else:
            yield strings[0]


def test_every_marked_string_is_in_the_catalogue(po_entries):
    in_catalogue = {catalogue_key(entry) for entry in po_entries}
    found = {}
    for path in source_files(".py"):
        for msgid, in_fstring in gettext_calls(path):
            if not in_fstring:  # invisible to makemessages: see the next test
                found.setdefault(msgid, path.relative_to(settings.BASE_DIR))
    for path in source_files(".html", ".txt"):
        for msgid in msgids_in_template(path):
            found.setdefault(msgid, path.relative_to(settings.BASE_DIR))
    assert len(found) > 100, "the scan found almost no marked strings: is it looking in the right place?"

    missing = [
        f"{path}: {msgid!r}"
        for msgid, path in sorted(found.items(), key=lambda item: str(item[1]))
        if msgid not in in_catalogue
    ]
    assert missing == [], (
        "strings marked for translation but not in locale/ko: run `make messages`, translate, run it again:\n"
        + "\n".join(missing)
    )


KNOWN_GETTEXT_IN_FSTRING: set[tuple[str, str]] = set()


def test_no_gettext_call_inside_an_f_string():
    """makemessages runs xgettext, which does not look inside f-strings: such a string is never translated."""
    hidden = {
        (str(path.relative_to(settings.BASE_DIR)), msgid)
        for path in source_files(".py")
        for msgid, in_fstring in gettext_calls(path)
        if in_fstring
    }

    assert hidden - KNOWN_GETTEXT_IN_FSTRING == set(), "move these gettext calls out of their f-strings"


# --- nothing left unmarked in templates ------------------------------------------------------------

TEMPLATE_SYNTAX = re.compile(
    r"(?s){%\s*(blocktranslate|blocktrans|comment)\b.*?{%\s*end\1\s*%}"  # marked blocks, comments
    r"|{%\s*block body_class\s*%}.*?{%\s*endblock\s*%}"  # CSS class names, not words
    r"|{%.*?%}|{{.*?}}|{#.*?#}|<!--.*?-->|&#?\w+;"
)
WORDY_ATTRIBUTE = re.compile(r'\s(?:aria-label|title|placeholder|alt|data-confirm|data-msg-[\w-]+)="([^"]*)"')
BRAND = "table_bookings"  # the product's name is not translated


def test_templates_have_no_unmarked_words():
    unmarked = []
    for path in source_files(".html", ".txt"):
        if "templates" not in path.relative_to(settings.BASE_DIR).parts:
            continue
        text = TEMPLATE_SYNTAX.sub(" ", path.read_text(encoding="utf-8"))
        pieces = WORDY_ATTRIBUTE.findall(text)
        if path.suffix == ".html":
            text = re.sub(r"(?s)<[^>]*>", "\n", text)
        pieces += text.splitlines()
        unmarked += [
            f"{path.relative_to(settings.BASE_DIR)}: {piece.strip()!r}"
            for piece in pieces
            if re.search(r"[A-Za-z]{2,}", piece.replace(BRAND, ""))
        ]

    assert unmarked == [], "wrap these in {% translate %} / {% blocktranslate %}:\n" + "\n".join(unmarked)
