"""English wording: the words and patterns by which an English question says what it asks.

Plain data (regular-expression sources and word sets), composed with the
Chinese ones in :mod:`assistant.query.lexicon`; nothing here names a report.
"""

#: A figure is asked for: how much / how fast / what share ...
QUANTITY = (r"\b(how (much|many|big|large|fast)|(market )?share|percentage|percent|proportion|size|value|rate|cagr|"
            r"growth rate|valued?|worth|revenue|sales|by when|which year|what year)\b")
#: A list is asked for: which companies / segments / ...; "list", "name the".
LIST = (r"\b(?:which|what)\s+(?:are\s+the\s+|were\s+the\s+|are\s+|other\s+)?(?:[\w-]+\s+){0,3}"
        r"(?:companies|players|vendors|firms|segments|sub-?segments|types|regions|applications|factors|trends|drivers|"
        r"challenges|categories|components|technologies|options|services|products|end[- ]?users|countries|settings|"
        r"analyses|methods|modalities|channels|opportunities|risks|barriers)\b"
        r"|\blist\b|\bname (?:the|all)\b")
#: A reason or a way is asked for: why / how does ...
REASON = (r"\bwhy\b|\bhow (?:does|do|did|can|could|will|might|would|is|are)\b|\bwhat (?:drives|explains|causes|"
          r"is driving|are the reasons|reasons)|\breasons?\b")
#: A yes/no question opens with an auxiliary.
YES_NO = r"^(?:is|are|does|do|did|can|could|will|has|have|was|were|should)\b"
#: The question asks about a table itself ("What does the table show?"): its caption or lead-in may answer.
ABOUT_TABLE = r"\b(?:tables?|tabulated|tabular)\b"
#: The question compares reports or asks each of them.
ACROSS_REPORTS = r"\b(reports|compare|comparison|across|each report|both|differ|disagree|sources)\b"
#: "Which ..." asks to pick among named things (no figure of a named thing is missing then).
WHICH = r"\bwhich\b"

#: Capitalised words that are no proper name of what is asked about.
GENERIC_NAMES = frozenset(
    """what which who whom whose when where why how does did do is are was were can could should would will
    according based besides within under over the a an in on of for to from by and or with
    report reports market markets analysis forecast research company companies industry global""".split()
)
#: Names that say which figure is asked, not what it is asked of ("CAGR", "USD").
METRIC_NAMES = frozenset("cagr usd us$ eur yoy".split())

#: Which metric a question asks about, in the order they are tried; the names are the facts table's.
METRICS = (
    ("cagr", r"\bcagr\b|compound annual growth rate|growth rate|compound annual rate|\bgrow(?:s|th|ing)?\b"),
    ("share", r"\bshare\b|\bproportion\b|\bpercentage\b"),
    ("revenue", r"\brevenues?\b|\bsales\b|\bturnover\b"),
    ("market size", r"\bsize\b|\bvalued at\b|\bvalued\b|\bvalue\b|\bworth\b|how (?:big|large)"),
)
#: What a follow-up says when it asks a metric: the words that replace the previous question's ("the CAGR").
METRIC_WORDS = {"cagr": "CAGR", "share": "share", "revenue": "revenue", "market size": "market size"}

#: Regions and countries, longest first where one holds another.
REGIONS = (
    "Europe, the Middle East and Africa", "Middle East and Africa", "Middle East & Africa", "North America",
    "South America", "Latin America", "Central America", "the Americas", "Americas", "Western Europe",
    "Eastern Europe", "Europe", "Asia-Pacific", "Asia Pacific", "Southeast Asia", "Asia", "Middle East", "Africa",
    "APAC", "EMEA", "LAMEA", "MEA", "GCC", "North American", "Latin American", "European", "Asian",
    "United States", "United Kingdom", "South Korea", "Saudi Arabia", "China", "Japan", "India", "Korea", "Germany",
    "France", "Italy", "Spain", "Canada", "Mexico", "Brazil", "Australia", "Russia", "U.S.", "USA", "US", "UK",
)

#: Words that open a follow-up and say nothing else ("And in 2032?"): dropped where it keeps its own words.
OPENER = r"and|but|also|or|then"
#: How a follow-up opens when it leans on the question before it.
ELLIPTICAL_START = rf"(?:{OPENER})\b|what about\b|how about\b|and what about\b|same for\b"
#: What may stand between two names that form one ("Europe and Asia-Pacific").
CONJUNCTIONS = r"\s|,|&|and|or"
#: How a rebuilt follow-up is worded: a year or region the previous question had no place for, added at its end;
#: a question of its own with the previous one's report reference, or with the previous question as its subject.
IN_YEAR, IN_REGION, ADDED = "in {year}", "in {region}", "{question} {added}"
WITH_REFERENCE, REGARDING, QUESTION = "{question}, {reference}?", "{question}, regarding {subject}?", "{question}?"
#: Words that point back at what was said before: "does that imply", "its CAGR".
ANAPHORA = r"\b(?:that|this|it|its|they|them|their|these|those|such|same|then)\b"
#: Words of a follow-up that only ask again (in another year, place, ...), beside the things it names.
FOLLOW_UP_FILLER = frozenset(
    """and but also what about how same or then for in by the a an of to at over within through from per
    forecast forecasts projection projections projected project estimate estimated estimates figure figures
    number value expected expect be is was will where see it its that this there reach reached reaching
    one ones year years period window specifically specific instead case like then now imply implies implied
    correspond corresponds corresponding behind underlying does do did which what's at according cited report
    reports study""".split()
)
#: How a report is named in passing: "according to X", "per X", "in the X report" (kept when a follow-up is rebuilt).
REPORT_REFERENCE = (r"\b(?i:according to|as cited in|cited in|per|in|from|by)\s+(?:the\s+)?"
                    r"[^,?;]{0,60}?\b(?i:report|study|analysis|forecast|survey|profiles?|list)\b"
                    r"|\b(?i:according to|per)\s+[A-Z][\w&'.-]*(?:\s+[A-Z][\w&'.-]*)*")
#: A follow-up that asks only why or how: it has no subject of its own.
CONTENT_FREE = frozenset("why how what is that this so come".split())

#: Words of a publisher's name that say nothing about which publisher it is.
GENERIC_PUBLISHER_WORDS = frozenset(
    """research group market markets insights insight consulting intelligence analytics analysis report reports
    inc ltd llc co corp company global data the and of international industry industries""".split()
)

#: Words every market report uses, whatever its market: they say what is asked
#: (a size, a share, the drivers), not what about.
MARKET_VOCABULARY = frozenset(
    """market markets marketplace industry industries sector sectors segment segments segmentation size sizes
    share shares value values valued worth revenue revenues sales growth grow grows growing rate rates cagr
    forecast forecasts forecasted projected projection projections project expected expect estimate estimated
    outlook trend trends driver drivers driving drive factors factor key main major leading lead leaders top
    players player companies company vendors firms global worldwide regional region regions report reports
    study analysis research say says cover covers covered compound annual year years period base largest
    biggest fastest large big current future opportunity opportunities challenges challenge type types
    conclusion conclusions conclude concludes recommendation recommendations recommend recommends strategy
    strategies strategic leader leaders overall summary adopt list lists name names mention mentions describe
    describes described""".split()
)
