"""`permis demo` as a user runs it, in a fresh interpreter: its output is its own (no raw
warning), it lists every email each dossier caused, and it ends with the page to open."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.processes import clean_env, permis

HEADER = "Permis demo — broker: embedded (in-process broker); database: sqlite:///"
PAGE_LINE = "Page (open it in a browser): "


@dataclass(frozen=True)
class Run:
    """One finished demo: what it printed, where it ran and its run folder."""

    stdout: str
    stderr: str
    cwd: Path
    folder: Path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    cwd = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        permis("demo"), cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=110
    )
    assert done.returncode == 0, done.stderr
    (folder,) = (cwd / "permis-demo").glob("run-*")
    return Run(done.stdout, done.stderr, cwd, folder)


def dossiers(stdout: str) -> dict[str, list[str]]:
    """The summary's "Dossiers" section: each dossier's lines under its heading line."""
    section = stdout.split("\nDossiers\n", 1)[1].split("\n\n", 1)[0]
    blocks: dict[str, list[str]] = {}
    for line in section.splitlines():
        if not line.startswith("      "):
            current = line.strip()
            blocks[current] = []
        else:
            blocks[current].append(line.strip())
    return blocks


def dossier_with(run: Run, document: str) -> list[str]:
    """The lines of the one dossier that has a document ending in ``document``."""
    (found,) = [
        lines
        for lines in dossiers(run.stdout).values()
        if any(line.startswith("document ") and document in line for line in lines)
    ]
    return found


def test_the_output_starts_with_the_demos_header_and_holds_no_warning(run: Run) -> None:
    assert run.stdout.startswith(HEADER)
    assert run.stderr == ""
    lines = run.stdout.splitlines() + run.stderr.splitlines()
    assert not [line for line in lines if "warning" in line.lower()]


def test_a_warning_a_library_gives_on_import_goes_to_the_log(run: Run) -> None:
    # pyhanko's own (cryptography's DSA deprecation), when this environment gives it.
    probe = subprocess.run(
        [sys.executable, "-c", "import pyhanko.sign.signers.pdf_cms"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "Warning" not in probe.stderr:
        pytest.skip("pyhanko gives no warning on import with these versions")
    logged = [json.loads(line) for line in (run.folder / "permis.log").read_text().splitlines()]
    messages = [line["message"] for line in logged if line.get("logger") == "py.warnings"]
    assert any(message in probe.stderr for message in messages), messages


def test_the_granted_dossier_shows_its_authorization_mailed_to_both_parties(run: Run) -> None:
    lines = dossier_with(run, "-A1.pdf")
    for role in ("employer", "beneficiary"):
        (line,) = [x for x in lines if x.startswith(f"email authorization_granted to the {role} ")]
        assert line.endswith("-A1.pdf") and ": sent, with " in line


def test_the_refused_dossier_shows_its_two_refusal_emails(run: Run) -> None:
    lines = dossier_with(run, "-R1.pdf")
    refusals = [x for x in lines if x.startswith("email authorization_refused to the ")]
    assert {x.split()[4] for x in refusals} == {"employer", "beneficiary"}
    assert all(x.endswith("-R1.pdf") for x in refusals)


def test_the_dossier_asked_for_documents_shows_the_request(run: Run) -> None:
    lines = dossier_with(run, "-D1.pdf")
    (line,) = [x for x in lines if x.startswith("email documents_requested to the employer ")]
    assert line.endswith("-D1.pdf")
    assert any(x.startswith("email documents_received to the employer") for x in lines)


def test_every_email_says_its_language_and_status(run: Run) -> None:
    emails = [x for lines in dossiers(run.stdout).values() for x in lines if x.startswith("email")]
    assert len(emails) == 15
    assert all(" (fr): sent" in x or " (en): sent" in x for x in emails), emails


def test_the_emails_of_refused_submissions_follow_under_their_samples(run: Run) -> None:
    section = run.stdout.split("\nEmails of refused submissions\n", 1)[1].split("\n\n", 1)[0]
    lines = section.splitlines()
    assert len(lines) == 6
    assert all(line.startswith("  2") and "-rejected-" in line for line in lines)
    assert all(
        line.endswith("email submission_rejected to the employer (fr): sent") for line in lines
    )


def test_the_last_line_names_the_page_which_was_written(run: Run) -> None:
    last = run.stdout.splitlines()[-1]
    assert last.startswith(PAGE_LINE)
    page = run.cwd / last.removeprefix(PAGE_LINE)
    assert page == run.folder / "index.html" and page.is_file()
    assert 'srcdoc="' in page.read_text(encoding="utf-8")
