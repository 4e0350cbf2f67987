"""Chinese wording: the words and patterns by which a Chinese question says what it asks.

Simplified and traditional forms are both listed where a pattern is matched on
the question as written; word sets are matched after the traditional -> simplified
folding (:func:`assistant.lexical.fold_script`) and so list the simplified form.
"""

QUANTITY = r"多少|多大|规模|規模|增长率|成長率|增長率|复合|複合|占比|佔比|份额|份額|价值|價值|营收|營收|收入"
LIST = r"哪些|哪几|哪幾|列出|包括什么|包括什麼|包含哪"
REASON = r"为什么|為什麼|为何|為何|原因|如何|怎样|怎樣|怎么|怎麼"
YES_NO = r"吗[？?]?$|嗎[？?]?$|是否|有没有|有沒有"
ACROSS_REPORTS = (r"报告.{0,4}(分别|之间|各)|報告.{0,4}(分別|之間|各)|两份|兩份|几份|幾份|各报告|各報告|哪些报告|哪些報告|"
                  r"比较|比較")
WHICH = r"哪"
ABOUT_TABLE = r"表格|[该該此这這上下本]表|表中|表内|表內|统计表|統計表"

METRICS = (
    ("cagr", r"年?复合年?增长率|年?複合年?成長率|年?複合年?增長率|增长率|增長率|成長率|复合|複合"),
    ("share", r"份额|份額|占比|佔比"),
    ("revenue", r"营收|營收|收入"),
    ("market size", r"规模|規模|价值|價值"),
)
METRIC_WORDS = {"cagr": "年复合增长率", "share": "份额", "revenue": "营收", "market size": "市场规模"}

#: Regions and countries (simplified; matched on folded text), longest first where one holds another.
REGIONS = (
    "欧洲、中东和非洲", "中东和非洲", "中东及非洲", "北美洲", "北美", "南美洲", "南美", "拉丁美洲", "拉美", "美洲",
    "西欧", "东欧", "欧洲", "亚太地区", "亚太", "东南亚", "亚洲", "中东", "非洲", "中国", "日本", "印度", "韩国",
    "美国", "加拿大", "墨西哥", "巴西", "德国", "法国", "英国", "意大利", "西班牙", "澳大利亚", "俄罗斯",
)

OPENER = r"那么|那麼|那|还有|還有|另外"
ELLIPTICAL_START = rf"{OPENER}|和|至于|至於"
CONJUNCTIONS = r"\s|,|和|与|與|及|、|或"
IN_YEAR, IN_REGION, ADDED = "{year}年", "{region}", "{added}{question}"
WITH_REFERENCE, REGARDING, QUESTION = "{reference}，{question}？", "关于{subject}，{question}？", "{question}？"
ELLIPTICAL_END = r"(?:呢|怎么样|怎麼樣)[？?。.!！]*\s*$"
ANAPHORA = r"它|其|该|該|这|這|此|上述|前述|同期|当时|當時|对应|對應|相应|相應"
#: Characters and words of a follow-up that only ask again (matched on folded text).
FOLLOW_UP_FILLER = ("那么", "那", "还有", "另外", "至于", "和", "呢", "怎么样", "的", "预测值", "预测", "预估", "估计",
                    "预计", "会", "将", "达到", "到", "是", "多少", "为", "在", "时", "地区", "方面", "情况", "年",
                    "数字", "数值", "又", "则", "这段期间", "这段时间", "期间", "同期", "对应", "预期", "它", "其",
                    "大约", "约", "根据", "依据", "报告")
REPORT_REFERENCE = (r"(?:在|根据|依据|依照|按照)?\s*[^，,？?。；]{0,30}?(?:报告|报告书|研究|预测报告|分析)"
                    r"(?:里|中|内|显示|指出)?")
CONTENT_FREE = ("为什么", "为何", "怎么会", "原因", "什么")

MARKET_VOCABULARY = frozenset(
    """市场 规模 份额 占比 增长 增长率 复合 年增长率 预测 预计 主要 企业 公司 驱动 驱动因素 因素 产业 行业 部分
    分为 报告 全球 区域 地区 趋势 价值 收入 营收 领先 厂商 参与者 细分 类型 机会 挑战 年份 期间
    原因 理由 一种 哪种 列为 提到 说明 指出 结论 认为 建议 策略 领导者 总体 采取 名单 名称 带有 总结 描述 提及
    涵盖 包括 包含 要点 方面""".split()
)
