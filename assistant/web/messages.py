"""The sentences other layers write (answers, questions, uploads, builds) in the page's language.

The answer layer, the question reader, the uploads and the build say what is
wrong or why there is no answer in one English sentence (the CLI and the API
show them as written).  The page shows them in its language: each known
sentence shape has its Chinese form here, the names and figures it carries
kept as they are.  A sentence with no Chinese form is shown as written (so a
new English sentence elsewhere needs its line here; tests/test_web_chinese.py
walks the page in Chinese and fails on English it finds).
"""
from __future__ import annotations

import re

_ZH: list[tuple[re.Pattern, str]] = [(re.compile(pattern + r"$", re.S), template) for pattern, template in [
    # answers (answer/abstention.py, pipeline.py)
    (r"The reports do not answer this question\.", "报告中没有回答这个问题的内容。"),
    (r"The closest passages are listed below as possibly related, not as an answer\.",
     "下面列出最接近的段落，仅供参考，并非答案。"),
    (r"No report in the library covers this topic: most of the words that say what the question is about occur "
     r"in none of them\.", "报告库中没有涉及这个主题的报告：问题所涉及的大多数关键词在任何报告中都没有出现。"),
    (r"The reports do not mention (?P<a>.+)\.", "报告中没有提到 {a}。"),
    (r"The reports name (?P<a>.+) but give no figure for it\.", "报告提到了 {a}，但没有给出相关数据。"),
    (r"The reports the question names do not mention (?P<a>\d+) at all, so they give no figure for it\.",
     "问题所指的报告完全没有提到 {a} 年，因此没有该年的数据。"),
    (r"No report mentions (?P<a>\d+) at all, so none gives a figure for it\.",
     "没有任何报告提到 {a} 年，因此没有该年的数据。"),
    # questions (query/question.py, web/chat.py)
    (r"Please type a question; it is empty\.", "请输入问题；问题为空。"),
    (r"The question is (?P<a>[\d,]+) characters long; please keep it under (?P<b>[\d,]+)\.",
     "问题长 {a} 个字符；请控制在 {b} 个字符以内。"),
    (r"The question has no words in it; please ask in words \(English or Chinese\)\.",
     "问题中没有文字；请用中文或英文提问。"),
    (r"The number of passages \(k\) must be a whole number from 1 to (?P<a>\d+)\.",
     "检索段落数 (k) 必须是 1 到 {a} 之间的整数。"),
    (r"Unknown report (?P<a>.+); choose reports by their file names in the library\.",
     "未知的报告 {a}；请按报告库中的文件名选择报告。"),
    (r"No report matches the chosen reports and language; choose others\.",
     "没有报告符合所选的报告和语言；请重新选择。"),
    (r"Something went wrong on the server; the details were written to its log\. Please try again\.",
     "服务器出错了；详细信息已写入日志。请重试。"),
    # uploads (web/chat.py, web/uploads.py, web/owners.py) and builds (indexer.py)
    (r"Added (?P<a>.+)\.", "已添加 {a}。"),
    (r"Removed (?P<a>.+); it is no longer searched\.", "已删除 {a}；不再检索它。"),
    (r"Indexed (?P<a>\d+) files: (?P<b>\d+) chunks, (?P<c>\d+) tokens in (?P<d>[\d.]+) s \((?P<e>\d+) vectors "
     r"re-used, (?P<f>\d+) newly embedded; (?P<g>\d+) sentences, (?P<h>\d+) newly embedded\)\.",
     "已索引 {a} 个文件：{b} 个片段、{c} 个词元，用时 {d} 秒（复用 {e} 个向量，新编码 {f} 个；{g} 个句子，新编码 {h} 个）。"),
    (r"Index (?P<a>.+) is current: (?P<b>\d+) files, (?P<c>\d+) chunks; nothing to do\.",
     "索引 {a} 已是最新：{b} 个文件、{c} 个片段；无需更新。"),
    (r"Choose one of your uploaded reports to remove; the shipped reports and other people's uploads cannot be "
     r"removed\.", "请选择一份您上传的报告来删除；随附的报告和其他人上传的报告不能删除。"),
    (r"(?P<a>.+): another user's upload has that name; yours was stored as (?P<b>.+)\.",
     "{a}：已有其他用户上传了同名文件；您的文件已保存为 {b}。"),
    (r"(?P<a>.+): a shipped report has that name; yours was stored as (?P<b>.+)\.",
     "{a}：已有同名的随附报告；您的文件已保存为 {b}。"),
    (r"No file was uploaded\.", "没有上传任何文件。"),
    (r"Saved the card of (?P<a>.+); search, answers and comparisons use it now\.",
     "已保存 {a} 的报告卡片；检索、回答和对比立即使用它。"),
    (r"Choose one of your uploaded reports; a shipped report's card is corrected with `assistant reports --set`, "
     r"and other people's uploads cannot be changed\.",
     "请选择一份您上传的报告；随附报告的卡片需用 `assistant reports --set` 修改，其他人上传的报告不能修改。"),
    (r"The reports are still being indexed; please upload again in a moment\.", "报告仍在索引中；请稍后再上传。"),
    (r"(?P<a>.+): (?P<b>\.\w+) files are not supported; upload one of (?P<c>.+)\.",
     "{a}：不支持 {b} 文件；请上传以下格式之一：{c}。"),
    (r"(?P<a>.+): (?P<b>.+) is over the (?P<c>.+) upload limit\.", "{a}：{b} 超过了 {c} 的上传上限。"),
]]


def localize(message: str, lang: str) -> str:
    """``message`` (one or more sentences) in ``lang``: each known sentence in its Chinese form for "zh"."""
    if lang != "zh" or not message:
        return message
    return "".join(_sentence(part) for part in re.split(r"(?<=[.!?])\s+(?=[A-Z])", message.strip()))


def _sentence(sentence: str) -> str:
    for pattern, template in _ZH:
        match = pattern.match(sentence)
        if match:
            return template.format(**{key: (value or "").strip() for key, value in match.groupdict().items()})
    return sentence + " "
