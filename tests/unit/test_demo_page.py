"""The demo's index page from stories: relative links only, each email's HTML kept inside a
sandboxed frame (whatever it holds), its ``.eml`` and its documents linked."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from workers.demo.page import Link, dossier_view, link, render_index
from workers.demo.story import Account, DocumentRow, Email, MailFile, Step, Story

RUN = Path("permis-demo/run-1")
DOCS = RUN / "documents"
NUMBER = "AT26-0000001-8"
AUTHORIZATION = f"{NUMBER}-A1"
HOSTILE = (
    '<html lang="fr"><body><script>window.pwned = 1</script>'
    '"\'><img src=x onerror=alert(1)></iframe><a href="https://example.org">ici</a></body></html>'
)


class Page(HTMLParser):
    """The tags and attributes of a page, as a browser's parser reads them."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def mail(
    name: str,
    *,
    html: str | None = None,
    text: str | None = None,
    attachments: tuple[str, ...] = (),
) -> MailFile:
    return MailFile(
        f"<{name}>", RUN / "mail" / f"{name}.eml", "Objet : accordée", "fr", attachments, html, text
    )


def granted() -> Story:
    return Story(
        number=NUMBER,
        state="granted",
        platform="pf-nanterre",
        timeline=(
            Step("2026-12-08T00:00:01+00:00", "dossier.deposited", "2027-02-08"),
            Step("2026-12-08T00:00:02+00:00", "dossier.granted", f"pf-nanterre, {AUTHORIZATION}"),
        ),
        documents=(DocumentRow(AUTHORIZATION, NUMBER, "authorization"),),
        emails=(
            Email(
                AUTHORIZATION,
                "authorization_granted",
                "employer",
                "sent",
                mail("a@permis.example", html=HOSTILE, attachments=(f"{AUTHORIZATION}.pdf",)),
            ),
            Email(
                AUTHORIZATION,
                "authorization_granted",
                "beneficiary",
                "sent",
                mail("b@permis.example", text="<b>texte</b>", attachments=("other.pdf",)),
            ),
            Email(NUMBER, "deposit_confirmation", "employer", "failed", None),
        ),
    )


REFUSED = Email(
    "sub-1", "submission_rejected", "employer", "sent", mail("r@permis.example", html="<p>Non</p>")
)


@pytest.fixture(scope="module")
def page() -> str:
    told = Account((granted(),), (REFUSED,))
    return render_index(RUN, told, DOCS, "Permis demo, run-1", {"sub-1": "20-rejected.json"})


def test_the_page_says_its_language_and_has_one_main_heading(page: str) -> None:
    parsed = Page(page)
    assert parsed.all("html") == [{"lang": "en"}]
    assert len(parsed.all("h1")) == 1
    assert "<title>Permis demo, run-1</title>" in page


def test_the_page_forbids_scripts_by_its_own_policy(page: str) -> None:
    (policy,) = [
        m for m in Page(page).all("meta") if m.get("http-equiv") == "Content-Security-Policy"
    ]
    assert "default-src 'none'" in str(policy["content"])
    assert "script" not in str(policy["content"])


def test_an_emails_html_stays_whole_inside_a_sandboxed_frame(page: str) -> None:
    frame, refused = Page(page).all("iframe")
    assert frame["sandbox"] == "" == refused["sandbox"]
    assert frame["srcdoc"] == HOSTILE
    assert "src" not in frame and frame["title"]


def test_every_frame_has_a_title_of_its_own(page: str) -> None:
    titles = [frame["title"] for frame in Page(page).all("iframe")]
    assert len(set(titles)) == len(titles) == 2


def test_the_emails_of_refused_submissions_come_last_under_what_they_answered(page: str) -> None:
    section = page[page.index('id="refused-submissions"') :]
    assert "20-rejected.json" in section and "submission_rejected to the employer" in section
    assert "mail/r%40permis.example.eml" in section


def test_nothing_of_an_email_becomes_markup_of_the_page(page: str) -> None:
    parsed = Page(page)
    assert not parsed.all("script") and not parsed.all("img") and not parsed.all("b")
    assert "https://example.org" not in [a.get("href") for a in parsed.all("a")]
    assert "&lt;b&gt;texte&lt;/b&gt;" in page


def test_every_link_is_relative_to_the_run_folder(page: str) -> None:
    hrefs = [str(a["href"]) for a in Page(page).all("a")]
    assert f"documents/{AUTHORIZATION}.pdf" in hrefs
    assert "mail/a%40permis.example.eml" in hrefs and "mail/b%40permis.example.eml" in hrefs
    assert f"#dossier-{NUMBER}" in hrefs
    assert all(not h.startswith("/") and "://" not in h for h in hrefs)


def test_every_anchor_link_names_an_element_of_the_page(page: str) -> None:
    parsed = Page(page)
    ids = {attrs["id"] for _, attrs in parsed.tags if "id" in attrs}
    anchors = {str(a["href"])[1:] for a in parsed.all("a") if str(a["href"]).startswith("#")}
    assert anchors and anchors <= ids


def test_the_timeline_keeps_its_order(page: str) -> None:
    assert page.index("dossier.deposited") < page.index("dossier.granted")


def test_an_email_without_a_file_says_so(page: str) -> None:
    assert "No file was written for this email." in page


def test_an_attachment_links_to_the_dossiers_document_or_is_only_named() -> None:
    view = dossier_view(granted(), RUN, DOCS)
    employer, beneficiary, deposit = view.emails
    assert employer.attachments == (
        Link(f"documents/{AUTHORIZATION}.pdf", f"{AUTHORIZATION}.pdf", "authorization, PDF"),
    )
    assert beneficiary.attachments == ("other.pdf",)
    assert deposit.eml is None and deposit.language == "unknown"
    assert [e.anchor for e in view.emails] == [f"email-{NUMBER}-{i}" for i in (1, 2, 3)]


@pytest.mark.parametrize(
    ("target", "base", "href"),
    [
        (Path("run/mail/a@b.eml"), Path("run"), "mail/a%40b.eml"),
        (Path("run/documents/A 1.pdf"), Path("run"), "documents/A%201.pdf"),
        (Path("elsewhere/mail/x.eml"), Path("run"), "../elsewhere/mail/x.eml"),
        (Path("/tmp/run/index.html").parent / "d.pdf", Path("/tmp/run"), "d.pdf"),
    ],
)
def test_a_link_is_the_quoted_path_from_the_run_folder(target: Path, base: Path, href: str) -> None:
    assert link(target, base) == href


def test_an_empty_run_still_renders() -> None:
    empty = render_index(RUN, Account((), ()), DOCS, "Permis demo")
    assert '<h2 id="dossiers">Dossiers</h2>' in empty
    assert "refused-submissions" not in empty
