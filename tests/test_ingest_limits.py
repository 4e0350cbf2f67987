"""Bounded work per file (issue 18, item 1): every cap stops its reader early
and refuses the file in one sentence.  The adversarial files are made here and
are small on disk: PDF pages that share one huge content stream, a DOCX of
highly compressible XML (the makers are shared with `assistant bench`), a
text over the character cap."""
from __future__ import annotations

import re

import pytest

from assistant.bench.readers import make_form_pdf, make_shared_stream_pdf, make_xml_docx
from assistant.ingest import DocumentError, read_document
from assistant.ingest.limits import ReadLimits


@pytest.fixture
def extraction_calls(monkeypatch):
    """Counts pypdf page extractions begun and finished (the real method runs)."""
    from pypdf import PageObject

    calls = {"begun": 0, "finished": 0}
    real = PageObject.extract_text

    def counted(self, *args, **kwargs):
        calls["begun"] += 1
        text = real(self, *args, **kwargs)
        calls["finished"] += 1
        return text

    monkeypatch.setattr(PageObject, "extract_text", counted)
    return calls


def limits(**changes) -> ReadLimits:
    return ReadLimits.from_settings(**changes)


def refusal(path, read_limits: ReadLimits) -> str:
    with pytest.raises(DocumentError) as raised:
        read_document(path, limits=read_limits)
    message = str(raised.value)
    assert message.startswith(f"{path.name}: ") and "\n" not in message and message.endswith(".")
    return message


def test_pdf_page_count_is_checked_before_any_page_is_read(tmp_path, extraction_calls):
    path = tmp_path / "pages.pdf"
    make_shared_stream_pdf(path, pages=12, stream_bytes=10_000)
    message = refusal(path, limits(max_pages=10))
    assert "has 12 pages, over the limit of 10 pages per file" in message
    assert extraction_calls["begun"] == 0


def test_the_issue_pdf_is_refused_by_the_default_caps_before_parsing(tmp_path, extraction_calls):
    """10 pages sharing one 5 MB stream: 36M characters and 293 s before; now
    refused at page 1 before pypdf parses anything."""
    path = tmp_path / "shared.pdf"
    make_shared_stream_pdf(path, pages=10, stream_bytes=5_000_000)
    assert path.stat().st_size < 25_000
    message = refusal(path, limits())
    assert "page 1 holds 4.8 MB of drawing instructions, over the 2.0 MB limit per page" in message
    assert extraction_calls["begun"] == 0


def test_pdf_text_drawn_through_a_form_counts_toward_the_page_cap(tmp_path, extraction_calls):
    """A tiny page that only says ``/X1 Do``: the form's instructions are parsed too."""
    small, big = tmp_path / "small-form.pdf", tmp_path / "big-form.pdf"
    make_form_pdf(small, stream_bytes=30_000)
    assert read_document(small).text.count("gizmo market grew") > 500  # the form's text is read
    make_form_pdf(big, stream_bytes=5_000_000)
    assert "page 1 holds 4.8 MB of drawing instructions" in refusal(big, limits())
    assert extraction_calls["begun"] == 1  # only the small file's page was parsed


def test_pdf_character_cap_stops_inside_the_page(tmp_path, extraction_calls):
    path = tmp_path / "chars.pdf"
    make_shared_stream_pdf(path, pages=2, stream_bytes=300_000)  # about 100,000 characters a page
    message = refusal(path, limits(max_chars=20_000))
    assert "holds more than 20,000 characters of text, the limit per file" in message
    assert extraction_calls == {"begun": 1, "finished": 0}  # stopped within page 1


def test_pdf_read_time_cap_stops_inside_the_page(tmp_path, extraction_calls):
    path = tmp_path / "slow.pdf"
    make_shared_stream_pdf(path, pages=2, stream_bytes=300_000)
    message = refusal(path, limits(max_seconds=1e-9))  # spent before the first drawing instruction
    assert "reading it took more than 1e-09 s, the limit per file" in message
    assert extraction_calls["finished"] == 0


def test_docx_of_compressible_xml_is_refused_at_the_character_cap(tmp_path):
    path = tmp_path / "xml.docx"
    make_xml_docx(path, paragraphs=100_000)  # 6.3 MB of XML, 2.8M characters of text
    assert path.stat().st_size < 60_000
    message = refusal(path, limits(max_chars=500_000))
    assert "holds more than 500,000 characters of text" in message


def test_the_issue_docx_is_refused_by_the_default_caps(tmp_path):
    """20 MB of XML in a small file took 234 s in python-docx; now the text
    count stops it at the default 5M characters."""
    path = tmp_path / "issue.docx"
    make_xml_docx(path, paragraphs=320_000)
    assert path.stat().st_size < 150_000
    assert "holds more than 5,000,000 characters of text" in refusal(path, limits())


def test_docx_under_the_caps_still_reads(tmp_path):
    path = tmp_path / "fine.docx"
    make_xml_docx(path, paragraphs=200)
    document = read_document(path, limits=limits(max_chars=100_000))
    assert document.text.count("The gizmo market grew again.") == 200


def test_docx_unzipped_cap_counts_every_member(tmp_path):
    path = tmp_path / "big.docx"
    make_xml_docx(path, paragraphs=40_000)  # about 2.5 MB unzipped
    message = refusal(path, limits(max_unzipped_bytes=1 << 20))
    assert re.search(r"unzips to 3\.\d MB, over the 1\.0 MB limit\.$", message), message


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_text_over_the_character_cap_is_refused_before_parsing(tmp_path, suffix):
    path = tmp_path / f"long{suffix}"
    path.write_text("<p>gizmo market</p>\n" * 6_000, encoding="utf-8")  # 120,000 characters
    message = refusal(path, limits(max_chars=100_000))
    assert "holds more than 100,000 characters of text" in message
    assert read_document(path, limits=limits(max_chars=200_000)).text.count("gizmo market") == 6_000


def test_caps_come_from_the_settings():
    from assistant.config import Settings

    settings = Settings(max_text_chars=7, max_pdf_pages=3, max_pdf_page_bytes=11, max_read_seconds=2.5)
    read_limits = ReadLimits.from_settings(settings)
    assert (read_limits.max_chars, read_limits.max_pages, read_limits.max_pdf_page_bytes,
            read_limits.max_seconds, read_limits.max_bytes) == (7, 3, 11, 2.5, settings.max_file_bytes)
    assert read_limits.unzipped_cap == 4 * settings.max_file_bytes
