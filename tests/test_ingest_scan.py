"""Linear-time readers (issue 18, item 2): every inline Markdown pattern and
every HTML tag pattern on a 1 MB adversarial line.

Two kinds of check, neither timed: the scanners find exactly what the old
regular expressions found (random inputs, the old patterns kept here), and on
1 MB lines they search each character a bounded number of times (the finders
count what they search; the old ``finditer`` searched to the line's end from
every ``[``, quadratic).  The time on such lines is a benchmark row
(``assistant bench``: "reader, 1 MB adversarial line").
"""
from __future__ import annotations

import random
import re
import subprocess
import sys

import pytest
from conftest import ROOT

from assistant.ingest import read_document
from assistant.ingest.html_reader import _TAG_RE, find_tags, looks_like_html
from assistant.ingest.markdown_reader import (
    _MD_BOLD_HEADING_RE,
    inline_markup,
    is_rule_line,
)

OLD_INLINE_RE = re.compile(  # the pattern before issue 18 (quadratic on "[x [x [x ...")
    r"(?P<image>!\[[^\]\n]*\]\([^)\n]*\))"
    r"|(?P<link>\[(?P<link_text>[^\]\n]+)\]\((?P<link_url>[^)\n]*)\))"
    r"|(?P<autolink><(?P<auto_url>https?://[^>\s]+)>)"
    r"|(?P<emphasis>\*\*)")
OLD_RULE_RE = re.compile(r"[ \t]*(?:[|:\- \t]*-{3,}[|:\- \t]*|\|{2,}[ \t|]*|[*_]{3,}[ \t]*)")
OLD_BOLD_HEADING_RE = re.compile(r"[ \t]*\*\*[^*\n]{2,120}\*\*[ \t]*:?[ \t]*")
OLD_SNIFF_RE = re.compile(r"<(p|div|h[1-6]|br|li|ul|ol|table|tr|td|span|strong|em|html|body|a)\b[^>]*>", re.I)
PIECES = list("![]()<>*x \n\t:/-|_#é") + ["http://", "https://", "<!--", "-->", "<p>", "</p>", "<a ", "<!x", "<?"]
MB = 1_000_000
#: Each inline pattern repeated to 1 MB, and how many pieces of markup the line holds.
ADVERSARIAL = {
    "[x ": 0, "[x](": 0, "![x": 0, "![x](": 0, "[x]": 0, "<https://x": 0, "<http://x ": 0,
    "[x](y)": MB // 6, "![x](y)": MB // 7, "**x": MB // 3, "<https://x>": MB // 11,
}


def old_inline(raw: str, begin: int, end: int) -> list[tuple]:
    pieces = []
    for match in OLD_INLINE_RE.finditer(raw, begin, end):
        if match.group("link"):
            pieces.append(("link", match.start(), match.end(), match.start("link_text"), match.end("link_text")))
        elif match.group("autolink"):
            pieces.append(("autolink", match.start(), match.end(), match.start("auto_url"), match.end("auto_url")))
        else:
            kind = "image" if match.group("image") else "emphasis"
            pieces.append((kind, match.start(), match.end(), match.start(), match.start()))
    return pieces


def random_texts(count: int, seed: int = 18):
    generator = random.Random(seed)
    for _ in range(count):
        raw = "".join(generator.choice(PIECES) for _ in range(generator.randint(0, 40)))
        begin = generator.randint(0, len(raw))
        yield raw, begin, generator.randint(begin, len(raw))


def test_inline_markup_finds_what_the_old_pattern_found():
    for raw, begin, end in random_texts(20_000):
        assert list(inline_markup(raw, begin, end)) == old_inline(raw, begin, end), (raw, begin, end)


def test_tags_rules_bold_headings_and_html_sniffing_match_the_old_patterns():
    for raw, _, _ in random_texts(20_000, seed=19):
        assert [(tag.start, tag.end, tag.markup) for tag in find_tags(raw)] == \
            [(match.start(), match.end(), match.group(0)) for match in _TAG_RE.finditer(raw)], raw
        line = raw.split("\n")[0]
        assert is_rule_line(line) == bool(OLD_RULE_RE.fullmatch(line)), line
        assert bool(_MD_BOLD_HEADING_RE.fullmatch(line)) == bool(OLD_BOLD_HEADING_RE.fullmatch(line)), line
        assert looks_like_html(raw) == (len(OLD_SNIFF_RE.findall(raw)) >= 3), raw


@pytest.mark.parametrize("unit", ADVERSARIAL)
def test_one_mb_inline_line_is_scanned_linearly(unit):
    line = unit * (MB // len(unit))
    finders: list = []
    pieces = list(inline_markup(line, 0, len(line), finders))
    assert len(pieces) == ADVERSARIAL[unit]
    assert all(line[kept_start:kept_end] in ("x", "https://x") or kept_start == kept_end
               for _, _, _, kept_start, kept_end in pieces)
    # every finder reads the line at most about once (the old pattern: a full
    # scan from each of the ~300,000 starts)
    assert sum(finder.scanned for finder in finders) <= 3 * len(line)


@pytest.mark.parametrize("unit", ["<a", "<!x", "<?x", "<p ", "<!doctype x [", "</a-b"])
def test_one_mb_line_of_unclosed_tags_is_scanned_linearly(unit, monkeypatch):
    line = unit * (MB // len(unit))
    searched = []
    real = _TAG_RE.match
    monkeypatch.setattr("assistant.ingest.html_reader._TAG_RE", _Counting(real, searched))
    assert list(find_tags(line)) == []
    assert searched == []  # no '>' after any '<': the tag pattern is never even tried


class _Counting:
    def __init__(self, match, calls: list) -> None:
        self._match, self._calls = match, calls

    def match(self, *args):
        self._calls.append(args[1:])
        return self._match(*args)


def test_doctype_internal_subset_leaves_no_markup(tmp_path):
    from test_ingest_readers import assert_map_exact

    path = tmp_path / "subset.html"
    path.write_text('<!DOCTYPE report [ <!ENTITY maker "Gizmo Co"> <!ELEMENT p ANY> ]>\n'
                    "<html><body><p>The gizmo market grew 9% in 2025.</p></body></html>", encoding="utf-8")
    document = read_document(path)
    assert document.text == "The gizmo market grew 9% in 2025."
    assert "]>" not in document.text and "ENTITY" not in document.text
    assert_map_exact(document)
    start = document.raw_starts[0]
    assert document.raw_text[start : document.raw_ends[len(document.text) - 1]] == "The gizmo market grew 9% in 2025."


@pytest.mark.slow
def test_one_mb_adversarial_files_read_end_to_end(tmp_path):
    """Through read_document in a child process with a generous limit: the old
    readers needed about 45 minutes for one such line (27.6 s at 100 KB, quadratic)."""
    units = ["[x ", "[x](", "![x", "<https://x", "<a", "<!doctype x ["]
    for number, unit in enumerate(units):
        for suffix in (".md", ".html"):
            (tmp_path / f"{number}{suffix}").write_text(unit * (MB // len(unit)) + "\n", encoding="utf-8")
    lengths = read_in_a_child(tmp_path, timeout=240)
    assert len(lengths) == 2 * len(units) and all(length > 0.9 * MB for length in lengths.values()), lengths


def read_in_a_child(folder, timeout: float) -> dict[str, int]:
    """The length of the text of each file of ``folder``, read in a child process."""
    script = ("import sys; from pathlib import Path; from assistant.ingest import read_document\n"
              "for path in sorted(Path(sys.argv[1]).iterdir()): print(path.name, len(read_document(path).text))")
    result = subprocess.run([sys.executable, "-c", script, str(folder)], cwd=ROOT, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stderr
    return {name: int(length) for name, length in (line.split() for line in result.stdout.splitlines())}


def test_rule_line_patterns_give_nothing_back_to_try_again(tmp_path):
    """Issue 25: one line of 150,000 '|' then 'x' took 215 s to read (``\\|{2,}[ \\t|]*``
    gave back each pipe to try the rest again: quadratic).  Read through
    read_document in a child process: 1 MB of each rule-like run, then 'x'."""
    units = ["|", "| ", "*_", "_", "-", "|-", " |"]
    for number, unit in enumerate(units):
        (tmp_path / f"{number}.md").write_text(unit * (MB // len(unit)) + "x\n", encoding="utf-8")
    lengths = read_in_a_child(tmp_path, timeout=120)
    assert len(lengths) == len(units) and all(length > 0.9 * MB for length in lengths.values()), lengths
