"""The lexical tokenizer: traditional and simplified Chinese give the same tokens."""
from __future__ import annotations

from assistant.lexical import fold_script, tokenize


def test_traditional_and_simplified_give_the_same_tokens():
    assert tokenize("醫療物聯網") == tokenize("医疗物联网") == ["医疗", "疗物", "物联", "联网"]
    assert tokenize("電腦軟體的價格與銷售額") == tokenize("电脑软体的价格与销售额")
    # Taiwan and Hong Kong variant forms fold too.
    assert tokenize("為裡眾啟") == tokenize("为里众启")


def test_fold_script_changes_only_traditional_characters():
    assert fold_script("遠距醫療") == "远距医疗"
    assert fold_script("远距医疗") == "远距医疗"
    text = "Revenue 2032: 28.76% (CAGR), 東京 café"
    assert fold_script(text) == text.replace("東", "东")
    assert fold_script("") == ""


def test_compatibility_ideographs_fold_to_unified_characters():
    # U+F900 is a compatibility form of 豈, whose simplified form is 岂.
    assert fold_script("\uf900") == "岂"
    assert tokenize("\uf900") == tokenize("豈") == ["岂"]


def test_mixed_text_keeps_numbers_and_english_tokens():
    traditional = tokenize("2032年 IoT 市場規模達到28.76億美元")
    simplified = tokenize("2032年 IoT 市场规模达到28.76亿美元")
    assert traditional == simplified
    assert "2032" in simplified and "28.76" in simplified and "iot" in simplified
