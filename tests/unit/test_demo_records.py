"""What the demo reads back from a written email and from the events, as plain records."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

from workers.demo.records import events, mail_file, mail_files
from workers.demo.story import Event


def written(*, html: str | None = '<html lang="en"><body>Granted</body></html>') -> bytes:
    message = EmailMessage()
    message["Subject"] = "Dossier AT26-0000001-8 : autorisation accordée"
    message["Message-ID"] = "<abc@permis.example>"
    message.set_content("Autorisation accordée.")
    if html is not None:
        message.add_alternative(html, subtype="html")
    message.add_attachment(
        b"%PDF-1.7", maintype="application", subtype="pdf", filename="AT26-0000001-8-A1.pdf"
    )
    return message.as_bytes()


def test_a_written_email_gives_its_id_subject_language_parts_and_attachments() -> None:
    read = mail_file(Path("mail/abc.eml"), written())
    assert read.message_id == "<abc@permis.example>"
    assert read.subject == "Dossier AT26-0000001-8 : autorisation accordée"
    assert read.language == "en"
    assert read.attachments == ("AT26-0000001-8-A1.pdf",)
    assert read.html is not None and "Granted" in read.html
    assert read.text is not None and "Autorisation accordée." in read.text


def test_an_email_without_html_has_no_language() -> None:
    read = mail_file(Path("x.eml"), written(html=None))
    assert (read.html, read.language) == (None, None)
    assert read.text is not None


def test_the_eml_files_of_a_folder_come_by_message_id(tmp_path: Path) -> None:
    (tmp_path / "abc.eml").write_bytes(written())
    (tmp_path / "notes.txt").write_text("not an email")
    assert list(mail_files(tmp_path)) == ["<abc@permis.example>"]
    assert mail_files(tmp_path / "absent") == {} == mail_files(None)


def test_events_keep_their_time_type_and_data_in_the_order_they_came() -> None:
    bodies = [
        json.dumps({"time": "t2", "type": "fr.permis.dossier.granted", "data": {"a": 1}}).encode(),
        json.dumps({"time": "t1", "type": "fr.permis.email.sent"}).encode(),
    ]
    assert events(bodies) == [
        Event("t2", "fr.permis.dossier.granted", {"a": 1}),
        Event("t1", "fr.permis.email.sent", {}),
    ]
