"""Report names on the page: a bilingual title as "中文 / English", a short title for source lines."""
from __future__ import annotations

import pytest

from assistant.web.titles import bilingual_title, short_title


@pytest.mark.parametrize("title, expected", [
    ("小部件市场:2026-2032年全球市场预测(按类型划分)Widget Market by Type - Global Forecast 2026-2032",
     "小部件市场:2026-2032年全球市场预测(按类型划分) / Widget Market by Type - Global Forecast 2026-2032"),
    ("小部件市场报告,2021-2031年Widget Market Report", "小部件市场报告,2021-2031年 / Widget Market Report"),
    ("Widget Market Outlook 小部件市场展望", "小部件市场展望 / Widget Market Outlook"),
    ("Widget Market Share, Size and Growth 2024-2032", "Widget Market Share, Size and Growth 2024-2032"),
    ("小部件市场展望", "小部件市场展望"),
    ("小部件市场展望 / Widget Market Outlook", "小部件市场展望 / Widget Market Outlook"),
    ("", ""),
])
def test_a_bilingual_title_is_shown_with_a_separator(title, expected):
    assert bilingual_title(title) == expected


def test_a_short_title_is_the_market_and_the_publisher_or_period():
    assert short_title("Long title", "Widgets", "Zorblax Research", ["2024-2032"]) == "Widgets · Zorblax Research"
    assert short_title("Long title", "Widgets", "", ["base 2025", "2026-2032"]) == "Widgets · 2026-2032"
    assert short_title("Long title", "Widgets") == "Widgets"
    assert short_title("小部件市场展望Widget Market Outlook") == "小部件市场展望 / Widget Market Outlook"
