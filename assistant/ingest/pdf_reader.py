"""PDF to clean text with pypdf: one raw text per page, citations count within the page.

Bounded (see :mod:`.limits`): the page count is checked first, each page's
decoded drawing instructions are measured before pypdf parses them (a small
file can point every page at one huge shared stream), and the extracted
characters and the clock are checked while a page is being read, so a reader
stops within the page that passes a cap.

Tables: pdfplumber finds each page's ruled tables, and the rows found again in
pypdf's text are written into the clean text as pipe rows (:mod:`.pdf_tables`:
what is found, what is left as pypdf wrote it); the raw text stays pypdf's.
That work counts against the same time budget; pdfplumber failing on a page
leaves that page's text as it was, never refuses the file.
"""
from __future__ import annotations

from pathlib import Path

from .document import DocumentError, TextBuilder
from .limits import ReadBudget
from .pdf_tables import RULE_OPERATORS, PageRow, TableFinder, add_page_text


def read_pdf(path: Path, name: str, budget: ReadBudget) -> tuple[str, TextBuilder, list[int]]:
    import logging

    # pypdf logs its repairs ("EOF marker not found") as bare lines on stderr;
    # a file it cannot read is reported once, by name, as a DocumentError.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise DocumentError(f"{name}: the PDF is encrypted; save an unencrypted copy and add that.")
        budget.check_pages(len(reader.pages))
        finder = TableFinder(path, budget)
        page_texts: list[str] = []
        page_rows: list[list[PageRow]] = []
        try:
            for number, page in enumerate(reader.pages, start=1):
                text, rules, operators = _page_text(number, page, budget)
                page_texts.append(text)
                page_rows.append(finder.rows(number - 1, text, rules, operators))
        finally:
            finder.close()
    except DocumentError:
        raise
    except Exception as error:  # pypdf raises many types for broken files
        raise DocumentError(f"{name}: not a readable PDF ({type(error).__name__}).") from error
    builder = TextBuilder()
    page_starts: list[int] = []
    raw_parts: list[str] = []
    offset = 0
    for page_text, rows in zip(page_texts, page_rows):
        page_starts.append(offset)
        builder.break_line(offset)
        builder.break_line(offset)
        add_page_text(builder, page_text, offset, rows, budget)
        raw_parts.append(page_text)
        offset += len(page_text) + 1
    return "\n".join(raw_parts), builder, page_starts


def _page_text(number: int, page, budget: ReadBudget) -> tuple[str, int, int]:
    """The page's text, how many lines and rectangles it draws, and how many operators it runs."""
    budget.check_time()
    contents = page.get_contents()
    drawing = len(contents.get_data()) if contents is not None else 0
    budget.check_pdf_page(number, drawing + _form_bytes(page.get("/Resources"), set()))

    rules = operators = 0

    def each_operator(operator, *_args) -> None:
        nonlocal rules, operators
        rules += operator in RULE_OPERATORS
        operators += 1
        budget.check_time()

    def each_text(text, *_args) -> None:
        budget.add_chars(len(text))

    text = page.extract_text(visitor_operand_before=each_operator, visitor_text=each_text) or ""
    budget.add_chars(1)  # the page break
    return text, rules, operators


def _form_bytes(resources, seen: set[int]) -> int:
    """Decoded size of the form XObjects a page (or form) can draw: text drawn
    through ``/X Do`` is parsed like the page's own instructions.  Each form is
    counted once a page (pypdf's decoding has its own output cap)."""
    try:
        resources = resources.get_object() if resources is not None else None
        forms = resources.get("/XObject") if resources is not None else None
        forms = forms.get_object() if forms is not None else {}
    except AttributeError:
        return 0
    total = 0
    for reference in forms.values():
        form = reference.get_object()
        if id(form) in seen or getattr(form, "get", lambda _: None)("/Subtype") != "/Form":
            continue
        seen.add(id(form))
        total += len(form.get_data()) + _form_bytes(form.get("/Resources"), seen)
    return total
