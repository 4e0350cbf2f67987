"""Which language a stretch of text is in: ``en`` or ``zh``.
"""
from __future__ import annotations

from .document import Segment


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0xF900 <= code <= 0xFAFF
        or 0x3040 <= code <= 0x30FF
    )


def detect_lang(text: str) -> str:
    """``zh`` when CJK characters carry the text, else ``en``.

    One CJK character carries about as much as a short word, so it is weighed
    against three Latin letters; a Chinese title that embeds its English name
    stays ``zh``.
    """
    cjk = sum(1 for char in text if _is_cjk(char))
    latin = sum(1 for char in text if char.isascii() and char.isalpha())
    if cjk == 0:
        return "en"
    return "zh" if cjk * 3 >= latin else "en"


def language_segments(text: str) -> list[Segment]:
    """Tag each line, then merge neighbouring lines of the same language."""
    segments: list[Segment] = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if line.strip():
            lang = detect_lang(line)
            if segments and segments[-1].lang == lang:
                segments[-1] = Segment(segments[-1].start, end, lang)
            else:
                segments.append(Segment(pos, end, lang))
        pos = end + 1
    return segments
