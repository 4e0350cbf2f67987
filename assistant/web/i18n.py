"""The page's words in English and Chinese.

Component labels go through Gradio's :class:`gr.I18n` (the browser's language
picks them, see :data:`TRANSLATIONS`); the HTML this package renders on the
server (transcript, library, status lines) uses :func:`text` with the language
read once per page load from the request's ``Accept-Language``
(:func:`language_of`).  A key missing in Chinese falls back to English.
"""
from __future__ import annotations

EN = {
    "title": "## Report assistant\nAnswers are sentences quoted verbatim from the market reports, each with its "
             "source. Click a citation **[n]** to see it highlighted in its report.",
    "tab_chat": "Chat",
    "tab_library": "Library",
    "tab_reports": "Your reports",
    "placeholder": "Ask about the reports, in English or Chinese …",
    "ask": "Ask",
    "new_chat": "New chat",
    "export_md": "Export Markdown",
    "export_json": "Export JSON",
    "settings": "Settings",
    "k": "Passages to search (k)",
    "mode": "Retrieval mode",
    "scope": "Search only these reports (none ticked: all)",
    "scope_lang": "Report language",
    "lang_all": "All languages",
    "lang_en": "English",
    "lang_zh": "Chinese",
    "sources": "Sources",
    "upload": "Upload reports",
    "remove_choice": "Remove one of your uploaded reports",
    "remove": "Remove",
    "passphrase": "Team passphrase (optional: everyone who types the same one shares their uploads)",
    "uploads_intro": "Add your own reports ({suffixes}, up to {mb} MB each, {files} files and {total_mb} MB in all). "
                     "They are indexed next to the shipped reports, which are never changed; answers keep working "
                     "while a file is indexed. Only you (or your team, with a passphrase) can replace or remove them.",
    # server-rendered HTML
    "you": "You",
    "assistant": "Assistant",
    "read_as": "Read as: {text}",
    "searched": "Searched: {n} of {total} reports",
    "searched_all": "Searched: all {total} reports",
    "possibly_related": "Possibly related",
    "what_each_says": "What each report says",
    "th_report": "Report",
    "th_figure": "Figure",
    "th_year": "Year",
    "th_source": "Source",
    "nearest": " (nearest given)",
    "disagree": "The reports disagree",
    "in": "in",
    "copy": "Copy",
    "copied": "Copied",
    "uploaded": "uploaded",
    "shipped": "shipped",
    "no_answer": "The reports do not answer this question.",
    "empty_transcript": "Ask a question about the reports. Every answer is made of sentences quoted verbatim from "
                        "them; click a citation <b>[n]</b> to read it in its report.",
    "empty_viewer": "Click a citation <b>[n]</b> in an answer, a report in the library, or pick a source above, to "
                    "read the passage highlighted in its report.",
    "library_empty": "No report is indexed yet.",
    "open": "Open",
    "chunks": "{n} chunks",
    "publisher": "Publisher",
    "market": "Market",
    "years": "Years",
    "languages": "Languages",
    "file": "File",
    "indexing": "Indexing: {stage} {done} of {total}",
    "indexing_file": "Indexing: file {done} of {total}",
    "indexing_start": "Starting: loading the index and the models …",
    "indexing_wait": "The reports are still being indexed ({state}); please ask again in a moment.",
    "index_failed": "The index could not be built: {error}",
    "being_indexed": "Reports are being indexed; this answer comes from the index as it was before.",
    "show_in_report": "Show in the report",
    "same_passage": "Same passage in {language}",
    "row_with_header": "A row of a table, under the table's header row; the marked cell is the column the question names",
    "other_language": "the other language",
    "no_uploads": "No uploaded reports yet. The shipped reports are always searched.",
    "th_your_report": "Your report",
    "th_chunks": "Chunks",
    "th_size": "Size",
    "not_indexed": "not indexed",
    "page_n": "page {n}",
    "chars_span": "characters {start}–{end}",
    "chars_before": "[… {n} characters before this are not shown …]",
    "chars_after": "[… {n} more characters not shown …]",
    "stage_reading": "reading",
    "stage_embedding": "embedding",
    "report_gone": "The report {doc_id} is no longer in the index (it was removed or the index was rebuilt without it).",
    "report_changed": "This report changed after the answer was given; the highlight may be off.",
    "cited_for": "cited for:",
    "market_unknown": "market not on its card",
    "card_edit": "Correct the card of one of your uploaded reports",
    "card_doc": "Your report",
    "card_title": "Title",
    "card_years": "Years (comma-separated, e.g. 2024-2032, base 2023)",
    "card_languages": "Languages (comma-separated: en, zh)",
    "card_save": "Save card",
}

ZH = {
    "title": "## 报告助手\n回答由市场报告中逐字引用的句子组成，每句都注明出处。点击引用 **[n]** 可在报告中查看高亮的原文。",
    "tab_chat": "对话",
    "tab_library": "报告库",
    "tab_reports": "我的报告",
    "placeholder": "用中文或英文提问 …",
    "ask": "提问",
    "new_chat": "新对话",
    "export_md": "导出 Markdown",
    "export_json": "导出 JSON",
    "settings": "设置",
    "k": "检索段落数 (k)",
    "mode": "检索方式",
    "scope": "只在这些报告中检索（不勾选：全部）",
    "scope_lang": "报告语言",
    "lang_all": "所有语言",
    "lang_en": "英文",
    "lang_zh": "中文",
    "sources": "出处",
    "upload": "上传报告",
    "remove_choice": "删除一份您上传的报告",
    "remove": "删除",
    "passphrase": "团队口令（可选：输入相同口令的人共享上传的报告）",
    "uploads_intro": "添加您自己的报告（{suffixes}，每个最大 {mb} MB，总共 {files} 个文件、{total_mb} MB）。"
                     "它们与随附的报告一起被索引，随附的报告不会被更改；索引期间仍可提问。"
                     "只有您（或使用口令的团队）可以替换或删除它们。",
    "you": "您",
    "assistant": "助手",
    "read_as": "理解为：{text}",
    "searched": "已检索：{total} 份报告中的 {n} 份",
    "searched_all": "已检索：全部 {total} 份报告",
    "possibly_related": "可能相关",
    "what_each_says": "各报告的数据",
    "th_report": "报告",
    "th_figure": "数值",
    "th_year": "年份",
    "th_source": "出处",
    "nearest": "（最接近的年份）",
    "disagree": "报告之间的数据不一致",
    "in": "见",
    "copy": "复制",
    "copied": "已复制",
    "uploaded": "用户上传",
    "shipped": "随附",
    "no_answer": "报告中没有回答这个问题的内容。",
    "empty_transcript": "请就报告提问。每个回答都由报告中逐字引用的句子组成；点击引用 <b>[n]</b> 可在报告中阅读原文。",
    "empty_viewer": "点击回答中的引用 <b>[n]</b>、报告库中的报告，或在上方选择出处，即可阅读高亮的原文。",
    "library_empty": "尚未索引任何报告。",
    "open": "打开",
    "chunks": "{n} 个片段",
    "publisher": "发布机构",
    "market": "市场",
    "years": "年份",
    "languages": "语言",
    "file": "文件",
    "indexing": "正在索引：{stage} 第 {done} / {total} 项",
    "indexing_file": "正在索引：第 {done} / {total} 个文件",
    "indexing_start": "正在启动：加载索引和模型 …",
    "indexing_wait": "报告仍在索引中（{state}）；请稍后再问。",
    "index_failed": "无法建立索引：{error}",
    "being_indexed": "正在索引报告；此回答来自之前的索引。",
    "show_in_report": "在报告中查看",
    "same_passage": "{language}的同一段落",
    "row_with_header": "表格中的一行，上方是表格的标题行；标出的单元格是问题所问的那一列",
    "other_language": "另一种语言",
    "no_uploads": "还没有上传的报告。随附的报告始终会被检索。",
    "th_your_report": "您的报告",
    "th_chunks": "片段",
    "th_size": "大小",
    "not_indexed": "未索引",
    "page_n": "第 {n} 页",
    "chars_span": "字符 {start}–{end}",
    "chars_before": "[… 前面 {n} 个字符未显示 …]",
    "chars_after": "[… 后面 {n} 个字符未显示 …]",
    "stage_reading": "读取",
    "stage_embedding": "编码",
    "report_gone": "报告 {doc_id} 已不在索引中（已被删除，或重建索引时未包含它）。",
    "report_changed": "回答之后这份报告已更改；高亮位置可能有偏差。",
    "cited_for": "引用于问题：",
    "market_unknown": "卡片未注明市场",
    "card_edit": "修改您上传的报告的卡片",
    "card_doc": "您的报告",
    "card_title": "标题",
    "card_years": "年份（用逗号分隔，例如 2024-2032, base 2023）",
    "card_languages": "语言（用逗号分隔：en, zh）",
    "card_save": "保存卡片",
}

#: For ``gr.I18n``: the frontend picks the browser's language ("zh-CN" falls back to "zh").
TRANSLATIONS = {"en": EN, "zh": ZH}

EXAMPLES = {
    "en": [
        "What was the telemedicine market size in 2023?",
        "What is the CAGR of the Internet of Medical Things market?",
        "醫療物聯網市場的複合年成長率是多少？",
        "互联医疗设备市场的主要增长动力是什么？",
    ],
    "zh": [
        "醫療物聯網市場的複合年成長率是多少？",
        "互联医疗设备市场的主要增长动力是什么？",
        "2023年远程医疗市场规模是多少？",
        "医疗保健物联网市场的主要驱动因素有哪些？",
    ],
}


def language_of(accept_language: str | None) -> str:
    """"zh" when the browser's first preferred language is Chinese, else "en"."""
    first = (accept_language or "").split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"


def text(key: str, lang: str = "en", **values) -> str:
    """The words for ``key`` in ``lang`` (English when missing), formatted with ``values``."""
    template = TRANSLATIONS.get(lang, EN).get(key) or EN[key]
    return template.format(**values) if values else template
