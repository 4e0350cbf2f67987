"""Readers on adversarial input: the time to read (or refuse) small hostile files.

Rows: a 1 MB line of each inline Markdown pattern that used to be quadratic
(read as .md and as .html), PDF pages sharing one 5 MB content stream (and a
1.5 MB one that also draws rules, so tables are looked for), 20 pages of ruled
tables (the cost of finding PDF tables on an ordinary file), a
DOCX of highly compressible XML, the hostile DOCX of issue 25 (each read in a
fresh process, with its peak RSS), and 1 MB lines of the shapes that were slow
to read or to chunk (rule lines, unbroken lines, unbroken CJK), each read
with the default caps.  The files are made here (the tests use the same makers).
"""
from __future__ import annotations

import time
import zipfile
from pathlib import Path

from ..ingest import DocumentError, read_document

#: Each repeated to 1 MB on one line: the patterns of issue 18 (quadratic before).
ADVERSARIAL_LINES = ("[x ", "[x](", "![x", "<https://x", "<a", "<!doctype x [")
MB = 1_000_000
_PDF_LINE = b"BT /F1 9 Tf 20 700 Td (gizmo market grew) Tj ET\n"


def make_shared_stream_pdf(path: Path, pages: int, stream_bytes: int, line: bytes = _PDF_LINE) -> None:
    """``pages`` pages whose /Contents all point at one Flate stream that
    decodes to ``stream_bytes`` bytes of ``line`` (text-drawing instructions)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    stream = DecodedStreamObject()
    stream.set_data(line * (stream_bytes // len(line)))
    shared = writer._add_object(stream.flate_encode(level=9))
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        page[NameObject("/Contents")] = shared
    with open(path, "wb") as handle:
        writer.write(handle)


#: Text and a ruling line: a page made of it is one pdfplumber would look for tables on.
RULED_PDF_LINE = _PDF_LINE + b"20 690 m 300 690 l S\n"


def make_ruled_table_pdf(path: Path, pages: int, rows: int = 13, columns: int = 4) -> None:
    """``pages`` pages, each a caption and a ``rows`` x ``columns`` table drawn
    with ruling lines (a header row of years, then "Segment N" rows of figures)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    left, top, width, height = 60, 700, 90, 18
    for number in range(pages):
        cells = [["Segment"] + [str(2024 + column) for column in range(columns - 1)]]
        cells += [[f"Segment {row}"] + [f"{row + column}.{number}" for column in range(columns - 1)] for row in range(rows - 1)]
        drawn = [f"BT /F1 10 Tf {left} {top + 20} Td (Table {number + 1}: Gizmo revenue by segment) Tj ET"]
        for row, values in enumerate(cells):
            drawn += [f"BT /F1 9 Tf {left + 4 + column * width} {top - 13 - row * height} Td ({value}) Tj ET"
                      for column, value in enumerate(values)]
        drawn += [f"{left} {top - row * height} m {left + columns * width} {top - row * height} l S" for row in range(rows + 1)]
        drawn += [f"{left + column * width} {top} m {left + column * width} {top - rows * height} l S"
                  for column in range(columns + 1)]
        content = DecodedStreamObject()
        content.set_data("\n".join(drawn).encode())
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        page[NameObject("/Contents")] = writer._add_object(content)
    with open(path, "wb") as handle:
        writer.write(handle)


def make_form_pdf(path: Path, stream_bytes: int) -> None:
    """One page whose small content only draws a form XObject (``/X1 Do``)
    holding ``stream_bytes`` bytes of text-drawing instructions."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    fonts = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    form = DecodedStreamObject()
    form.set_data(_PDF_LINE * (stream_bytes // len(_PDF_LINE)))
    form = form.flate_encode(level=9)
    form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                 NameObject("/BBox"): _box(), NameObject("/Resources"): fonts})
    form_ref = writer._add_object(form)
    page = writer.add_blank_page(612, 792)
    page[NameObject("/Resources")] = DictionaryObject({
        **fonts, NameObject("/XObject"): DictionaryObject({NameObject("/X1"): form_ref})})
    content = DecodedStreamObject()
    content.set_data(b"/X1 Do\n")
    page[NameObject("/Contents")] = writer._add_object(content)
    with open(path, "wb") as handle:
        writer.write(handle)


def _box():
    from pypdf.generic import ArrayObject, NumberObject

    return ArrayObject([NumberObject(0), NumberObject(0), NumberObject(612), NumberObject(792)])


def make_xml_docx(path: Path, paragraphs: int) -> None:
    """A valid DOCX whose body repeats one short paragraph ``paragraphs`` times."""
    make_hostile_docx(path, body=b"<w:p><w:r><w:t>The gizmo market grew again.</w:t></w:r></w:p>" * paragraphs)


def _docx_members(path: Path) -> list[tuple[str, bytes]]:
    """The parts of a small real DOCX (python-docx's template, one heading and one paragraph)."""
    import docx

    base = path.with_name(f"base-{path.name}")
    document = docx.Document()
    document.add_heading("Gizmo Outlook", level=1)
    document.add_paragraph("The gizmo market grew 14% in 2024.")
    document.save(str(base))
    with zipfile.ZipFile(base) as source:
        members = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    base.unlink()
    return members


def make_hostile_docx(path: Path, body: bytes = b"", styles: bytes = b"", main_part: str = "word/document.xml") -> None:
    """A DOCX made by python-docx with ``body`` XML put at the start of its
    body, ``styles`` added to its styles, and its main part stored as ``main_part``
    (the package relationships point at it)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, data in _docx_members(path):
            if name == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + body, 1)
                name = main_part
            elif name == "word/styles.xml":
                data = data.replace(b"</w:styles>", styles + b"</w:styles>", 1)
            elif name == "word/_rels/document.xml.rels" and main_part != "word/document.xml":
                name = f"{main_part.rsplit('/', 1)[0]}/_rels/{main_part.rsplit('/', 1)[-1]}.rels"
                data = data.replace(b'Target="', b'Target="../word/')
            elif name in ("_rels/.rels", "[Content_Types].xml"):
                data = data.replace(b"word/document.xml", main_part.encode())
            target.writestr(name, data)


def _cell(text: str, properties: bytes = b"") -> bytes:
    return b"<w:tc><w:tcPr>" + properties + b"</w:tcPr><w:p><w:r><w:t>" + text.encode() + b"</w:t></w:r></w:p></w:tc>"


#: The hostile DOCX of issue 25, by name: (what it is, what make_hostile_docx gets).
HOSTILE_DOCX = {
    "orphan-vmerge": ("DOCX, a table cell continuing a vertical merge with no cell above",
                      {"body": b"<w:tbl><w:tr>" + _cell("orphan", b"<w:vMerge/>") + _cell("cell") + b"</w:tr></w:tbl>"}),
    "heading-superscript": ("DOCX, a paragraph style named 'Heading \u00b2'", {
        "body": b'<w:p><w:pPr><w:pStyle w:val="HeadingSup"/></w:pPr><w:r><w:t>Gizmo heading</w:t></w:r></w:p>',
        "styles": '<w:style w:type="paragraph" w:styleId="HeadingSup"><w:name w:val="Heading \u00b2"/></w:style>'.encode()}),
    "gridspan-1m": ("DOCX, one table cell with gridSpan 1,000,000",
                    {"body": b"<w:tbl><w:tr>" + _cell("spanned", b'<w:gridSpan w:val="1000000"/>') + b"</w:tr></w:tbl>"}),
    "gridspan-2g": ("DOCX, one table cell with gridSpan 2,000,000,000",
                    {"body": b"<w:tbl><w:tr>" + _cell("spanned", b'<w:gridSpan w:val="2000000000"/>')
                     + b"</w:tr></w:tbl>"}),
    "empty-runs": ("DOCX, one paragraph of 17M empty runs (102 MB of XML)",
                   {"body": b"<w:p>" + b"<w:r/>" * 17_000_000 + b"</w:p>"}),
    "main-part-renamed": ("DOCX, 120,000 characters in a main part named word/main.xml",
                          {"body": b"<w:p><w:r><w:t>" + b"gizmo " * 20_000 + b"</w:t></w:r></w:p>",
                           "main_part": "word/main.xml"}),
}


#: Lines that were slow to read or to chunk (issue 25), each 1 MB then "x": (what, unit).
SLOW_SHAPES = (("rule line of '|'", "|"), ("rule line of '| '", "| "), ("unbroken line of 'x'", "x"),
               ("unbroken line of 'gizmo'", "gizmo"), ("unbroken CJK line", "市场规模增长"))


def _timed_read(path: Path, what: str, chunk: bool = False) -> dict:
    """Read (and with ``chunk``, chunk) ``path``: time and outcome."""
    from ..ingest import chunk_document

    started = time.perf_counter()
    try:
        document = read_document(path)
        outcome = f"read, {len(document.text):,} characters"
        if chunk:
            outcome += f", {len(chunk_document(document)):,} chunks"
    except DocumentError as error:
        outcome = "refused: " + str(error).split(": ", 1)[1]
    return {"input": what, "file_kb": round(path.stat().st_size / 1024, 1),
            "seconds": round(time.perf_counter() - started, 3), "outcome": outcome}


_PEAK_READ = """
import json, re, sys, time
from pathlib import Path
from assistant.ingest import DocumentError, read_document
path, started = Path(sys.argv[1]), time.perf_counter()
try:
    outcome = f"read, {len(read_document(path).text):,} characters"
except DocumentError as error:
    outcome = "refused: " + str(error).split(": ", 1)[1]
seconds = time.perf_counter() - started
peak = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())  # not ru_maxrss: exec keeps that
print(json.dumps({"input": sys.argv[2], "file_kb": round(path.stat().st_size / 1024, 1), "seconds": round(seconds, 3),
                  "outcome": outcome, "peak_rss_mb": round(int(peak.group(1)) / 1024) if peak else None}))
"""


def _peak_read(path: Path, what: str) -> dict:
    """:func:`_timed_read` in a fresh process, with its peak RSS (imports included)."""
    import json
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", _PEAK_READ, str(path), what], capture_output=True, text=True,
                         timeout=600, cwd=Path(__file__).resolve().parents[2])
    if run.returncode != 0:
        return {"input": what, "file_kb": round(path.stat().st_size / 1024, 1), "seconds": 0.0,
                "outcome": "failed: " + (run.stderr.strip().splitlines() or ["?"])[-1]}
    row = json.loads(run.stdout)
    row["outcome"] += f" (peak RSS {row.pop('peak_rss_mb')} MB)"
    return row


def bench_readers(work: Path) -> list[dict]:
    folder = Path(work) / "adversarial"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for number, unit in enumerate(ADVERSARIAL_LINES):
        for suffix in (".md", ".html"):
            path = folder / f"line-{number}{suffix}"
            path.write_text(unit * (MB // len(unit)) + "\n", encoding="utf-8")
            rows.append(_timed_read(path, f"1 MB line of {unit!r} as {suffix}"))
    pdf = folder / "shared-stream.pdf"
    make_shared_stream_pdf(pdf, pages=10, stream_bytes=5_000_000)
    rows.append(_timed_read(pdf, "PDF, 10 pages sharing one 5 MB content stream"))
    pdf_small = folder / "shared-stream-small.pdf"
    make_shared_stream_pdf(pdf_small, pages=40, stream_bytes=1_500_000)
    rows.append(_timed_read(pdf_small, "PDF, 40 pages sharing one 1.5 MB content stream"))
    ruled = folder / "shared-stream-ruled.pdf"
    make_shared_stream_pdf(ruled, pages=10, stream_bytes=1_500_000, line=RULED_PDF_LINE)
    rows.append(_peak_read(ruled, "PDF, 10 pages sharing one 1.5 MB content stream that also draws rules"))
    tables = folder / "ruled-tables.pdf"
    make_ruled_table_pdf(tables, pages=20)
    rows.append(_timed_read(tables, "PDF, 20 pages of a ruled 13 x 4 table each (not hostile: pdfplumber's cost)"))
    form = folder / "form.pdf"
    make_form_pdf(form, stream_bytes=5_000_000)
    rows.append(_timed_read(form, "PDF, one page drawing a 5 MB form XObject"))
    docx_file = folder / "xml.docx"
    make_xml_docx(docx_file, paragraphs=320_000)
    rows.append(_timed_read(docx_file, "DOCX, 20 MB of XML (9M characters)"))
    for name, (what, parts) in HOSTILE_DOCX.items():
        path = folder / f"{name}.docx"
        make_hostile_docx(path, **parts)
        rows.append(_peak_read(path, what))
    for number, (what, unit) in enumerate(SLOW_SHAPES):
        path = folder / f"shape-{number}.md"
        path.write_text(unit * (MB // len(unit)) + "x\n", encoding="utf-8")
        rows.append(_timed_read(path, f"1 MB {what} then 'x', read and chunked", chunk=True))
    return rows


def readers_markdown(rows: list[dict] | None) -> list[str]:
    if not rows:
        return []
    lines = ["## Readers on adversarial input (default caps)", "", "| input | file | seconds | outcome |",
             "| --- | --- | --- | --- |"]
    lines += [f"| {row['input']} | {row['file_kb']} KB | {row['seconds']:.2f} | {row['outcome']} |" for row in rows]
    return lines + [""]
