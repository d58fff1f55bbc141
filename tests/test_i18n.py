"""Two interface languages (issue 15): addresses, the switcher, and a complete Ukrainian catalogue.

The catalogue tests need no gettext tools: they read the strings marked for translation straight
from the code (Python's ast) and the templates (Django's own ``templatize``, which makemessages
uses), so a string marked but never translated fails here, not in front of a reader.
"""

import ast
import io
import re
import tokenize
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation.template import templatize

from cases.models import Incident

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "uk" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
CODE_DIRS = ["accounts", "cases", "core", "exchange", "public", "sources", "config"]
GETTEXT_FUNCTIONS = {
    "_": ("msgid",),
    "gettext": ("msgid",),
    "gettext_lazy": ("msgid",),
    "ngettext": ("msgid", "plural"),
    "ngettext_lazy": ("msgid", "plural"),
    "pgettext": ("context", "msgid"),
    "pgettext_lazy": ("context", "msgid"),
    "npgettext": ("context", "msgid", "plural"),
    "npgettext_lazy": ("context", "msgid", "plural"),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


@pytest.fixture(autouse=True)
def _english_after_each_test():
    # A request to /uk/ leaves Ukrainian active in the thread; later tests reverse() in English.
    yield
    translation.deactivate()


def catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def _call_strings(name: str, args: list[str]) -> tuple[str | None, str]:
    roles = dict(zip(GETTEXT_FUNCTIONS[name], args, strict=False))
    return roles.get("context"), roles["msgid"]


def python_msgids() -> set[tuple[str | None, str]]:
    """(context, msgid) of every gettext call with literal arguments in the product's code."""
    found = set()
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name not in GETTEXT_FUNCTIONS:
                    continue
                args = [a.value for a in node.args if isinstance(a, ast.Constant)]
                if len(args) >= len(GETTEXT_FUNCTIONS[name]) and all(
                    isinstance(a, str) for a in args
                ):
                    found.add(_call_strings(name, args))
    return found


def template_msgids() -> set[tuple[str | None, str]]:
    """(context, msgid) of every {% translate %} / {% blocktranslate %} in the templates."""
    found = set()
    for path in (ROOT / "templates").rglob("*.html"):
        source = templatize(path.read_text(), str(path))
        for match in re.finditer(r"\b(n?p?gettext)\(", source):
            tokens = tokenize.generate_tokens(io.StringIO(source[match.end() :]).readline)
            args = []
            for token in tokens:
                if token.type == tokenize.STRING:
                    args.append(ast.literal_eval(token.string))
                elif token.string == ")":
                    break
            found.add(_call_strings(match.group(1), args))
    return found


def test_every_marked_string_has_a_ukrainian_translation():
    po = catalogue()
    entries = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}
    marked = python_msgids() | template_msgids()
    assert len(marked) > 500  # the extraction found the strings at all
    missing = sorted(msgid for key in marked if key not in entries for msgid in [key[1]])
    assert not missing, (
        "Strings marked for translation but not in locale/uk/LC_MESSAGES/django.po "
        "(docs/translating.md):\n" + "\n".join(missing)
    )
    untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in po.fuzzy_entries() if not e.obsolete]
    assert not untranslated, "Untranslated:\n" + "\n".join(untranslated)
    assert not fuzzy, "Fuzzy (check, then remove the fuzzy flag):\n" + "\n".join(fuzzy)


def test_translations_keep_every_placeholder():
    wrong = []
    for entry in catalogue():
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            expected = sorted(PLACEHOLDER.findall(entry.msgid_plural))
            translations = list(entry.msgstr_plural.values())
        else:
            expected = sorted(PLACEHOLDER.findall(entry.msgid))
            translations = [entry.msgstr]
        for text in translations:
            if sorted(set(PLACEHOLDER.findall(text))) != sorted(set(expected)):
                wrong.append(f"{entry.msgid!r} -> {text!r}")
    assert not wrong, "\n".join(wrong)


def test_the_compiled_catalogue_matches_the_po_file():
    """django.mo is committed (make run needs no gettext tools); it must be today's .po."""
    po = {(e.msgctxt, e.msgid): e for e in catalogue() if e.translated() and not e.obsolete}
    mo = {(e.msgctxt, e.msgid): e for e in polib.mofile(str(MO))}
    stale = [
        key[1]
        for key, entry in po.items()
        if key not in mo
        or (mo[key].msgstr or mo[key].msgstr_plural) != (entry.msgstr or entry.msgstr_plural)
    ]
    assert not stale, (
        "django.mo is older than django.po; run `make messages` (docs/translating.md):\n"
        + "\n".join(stale[:20])
    )


# --- addresses, switcher, alternates --------------------------------------------------------------


@pytest.mark.parametrize(
    "accept, expected", [("uk-UA,uk;q=0.9,en;q=0.5", "/uk/"), ("en-GB,en", "/en/"), ("", "/en/")]
)
def test_an_old_address_redirects_to_the_readers_language_keeping_the_query(
    client, db, accept, expected
):
    response = client.get("/incidents/?oblast=donetsk&q=x", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 302
    assert response["Location"] == expected + "incidents/?oblast=donetsk&q=x"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE=accept)["Location"] == expected


def test_the_language_is_the_addresss_not_the_browsers(client, db):
    with translation.override("uk"):
        url = reverse("cases:incident_list")
    assert url == "/uk/incidents/"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="uk">' in html and "Фільтрувати інциденти" in html


def test_the_switcher_keeps_the_page_and_its_filters(client, db):
    html = client.get(reverse("cases:incident_list") + "?oblast=donetsk&status=verified").content
    html = html.decode()
    assert 'href="/uk/incidents/?oblast=donetsk&amp;status=verified" lang="uk"' in html
    assert 'aria-current="true">English</a>' in html


def test_pages_name_their_alternates_in_every_language(client, db):
    html = client.get(reverse("cases:about_verification") + "?x=1").content.decode()
    base = settings.SITE_URL
    assert f'hreflang="en" href="{base}/en/about/verification/"' in html
    assert f'hreflang="uk" href="{base}/uk/about/verification/"' in html
    assert f'hreflang="x-default" href="{base}/about/verification/"' in html


def test_the_sitemap_lists_every_page_in_both_languages(client, db):
    from tests.factories import IncidentFactory

    incident = IncidentFactory(published=True)
    xml = client.get("/sitemap.xml").content.decode()
    for code in ("en", "uk"):
        with translation.override(code):
            path = incident.get_absolute_url()
        assert f"<loc>{settings.SITE_URL}{path}</loc>" in xml
        assert f'hreflang="{code}" href="{settings.SITE_URL}{path}"' in xml


def test_feeds_keep_their_address_and_speak_the_asked_language(client, db):
    from tests.factories import IncidentFactory

    IncidentFactory(published=True, title="Popasna")
    english = client.get(reverse("feeds:incidents")).content.decode()
    ukrainian = client.get(reverse("feeds:incidents") + "?lang=uk").content.decode()
    by_header = client.get(reverse("feeds:incidents"), HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert "Published incidents, with every update" in english
    assert "Опубліковані інциденти з усіма оновленнями" in ukrainian
    assert "Опубліковані інциденти з усіма оновленнями" in by_header
    assert "/uk/incidents/" in ukrainian


def test_the_page_cache_keeps_each_language_apart(client, db, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    assert "How we verify claims" in client.get("/en/about/verification/").content.decode()
    assert "Як ми перевіряємо" in client.get("/uk/about/verification/").content.decode()
    assert "How we verify claims" in client.get("/en/about/verification/").content.decode()


# --- no English left on Ukrainian pages -----------------------------------------------------------


def _text_nodes(html: str) -> set[str]:
    """The page's text as a reader meets it: each run of text between tags, and the text of
    attributes a reader or a screen reader gets (aria-label, placeholder, title, alt)."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", html, flags=re.S)
    # Not interface text in the page's language: the switcher names each language in itself,
    # and a record's original text is content in its own language.
    html = re.sub(
        r'<nav class="language-switcher".*?</nav>|<details class="original-text">.*?</details>',
        " ",
        html,
        flags=re.S,
    )
    nodes = re.findall(r'(?:aria-label|placeholder|title|alt)="([^"]*)"', html)
    nodes += re.split(r"<[^>]+>", html)
    return {" ".join(node.split()).strip(" .:·,") for node in nodes} - {""}


def _english_ui_strings() -> tuple[set[str], list[str]]:
    """Catalogue strings that differ in Ukrainian: whole ones, and literal pieces of those with
    placeholders (their longest piece of three words or more)."""
    whole, pieces = set(), []
    for entry in catalogue():
        if entry.obsolete or entry.msgid_plural or entry.msgstr == entry.msgid:
            continue
        text = " ".join(re.sub(r"<[^>]+>", " ", entry.msgid).split())
        if PLACEHOLDER.search(text):
            piece = max(PLACEHOLDER.split(text), key=len).strip()
            if len(piece.split()) >= 3:
                pieces.append(piece)
        else:
            whole.add(text.strip(" .:·,"))
    return whole, pieces


def _english_left(html: str, whole: set[str], pieces: list[str]) -> list[str]:
    nodes = _text_nodes(html)
    # A record's content may be English; interface text fills a node of its own (a heading, a
    # label, a button), so content sentences that merely contain such words are not flagged.
    return sorted((nodes & whole) | {p for p in pieces for node in nodes if p in node})


def test_every_public_page_in_ukrainian_has_no_english_interface_text(client, editor):
    call_command("load_demo", stdout=StringIO())
    incident = Incident.objects.published().first()
    claim = incident.claims.first()
    source = incident.sources.first()
    statement = incident.statements.first() or Incident.objects.none()
    with translation.override("uk"):
        urls = [
            reverse("cases:home"),
            reverse("cases:incident_list"),
            reverse("cases:incident_list") + "?oblast=nowhere&date_from=bad",
            reverse("cases:incident_list") + "?q=zzzz-nothing",
            incident.get_absolute_url(),
            reverse("cases:about_verification"),
            reverse("files:verify"),
            reverse("files:verify") + "?sha256=" + "0" * 64,
            source.get_absolute_url(),
            reverse("cases:incident_list") + "missing-page/",
        ]
        if statement:
            urls.append(statement.get_absolute_url())
    whole, pieces = _english_ui_strings()
    assert claim is not None and len(whole) > 300
    left = {}
    for url in urls:
        found = _english_left(client.get(url).content.decode(), whole, pieces)
        if found:
            left[url] = found
    # The editors' queue, signed in.
    client.force_login(editor)
    with translation.override("uk"):
        queue = reverse("review:review_queue")
    found = _english_left(client.get(queue).content.decode(), whole, pieces)
    if found:
        left[queue] = found
    assert not left, left
