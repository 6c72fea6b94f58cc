"""Urgency: how soon a message needs attention, and the stable reason codes that say why.

The level is set by what the message is about (a safety hazard is critical whoever sends it),
then raised one step by each aggravating circumstance: a repeat contact, a VIP customer, a
strongly negative tone. Circumstances alone stop at high: critical is kept for what the message
says (a hazard, a live fraud, or a high-urgency matter made worse), so that an angry VIP asking
for the third time about a parcel does not queue level with a kettle on fire.

Reasons are codes, not prose, so routing policies and dashboards can rely on them: `safety`,
`fraud`, `legal_threat`, `chargeback`, `deadline`, `repeat_contact`, `vip`,
`negative_sentiment`, listed in that order.
"""

import re
from collections.abc import Sequence
from functools import cache

from cxops.domain.triage import (
    SensitiveCategory,
    SensitiveTopic,
    Sentiment,
    SentimentLabel,
    Urgency,
    UrgencyLevel,
)
from cxops.triage.text import fold

__all__ = ["NEGATIVE_SENTIMENT_THRESHOLD", "assess_urgency"]

# A compound sentiment at or below this reads as angry rather than merely unhappy.
NEGATIVE_SENTIMENT_THRESHOLD = -0.6

_LEVELS = (UrgencyLevel.LOW, UrgencyLevel.NORMAL, UrgencyLevel.HIGH, UrgencyLevel.CRITICAL)
_CONTENT_REASONS = ("safety", "fraud", "legal_threat", "chargeback", "deadline")

# Sensitive topics that set a level by themselves. Active compromises (someone holds the card or
# the account right now, and every minute allows another order) are critical; a charge already
# made is high. Data-protection requests are sensitive but have a statutory month, not minutes.
_TOPIC_REASONS: dict[str, tuple[str, UrgencyLevel]] = {
    "stolen_card": ("fraud", UrgencyLevel.CRITICAL),
    "identity_theft": ("fraud", UrgencyLevel.CRITICAL),
    "account_takeover": ("fraud", UrgencyLevel.CRITICAL),
    "fraud": ("fraud", UrgencyLevel.HIGH),
    "unauthorized_transaction": ("fraud", UrgencyLevel.HIGH),
    "chargeback": ("chargeback", UrgencyLevel.HIGH),
    "bank_dispute": ("chargeback", UrgencyLevel.HIGH),
    "lawyer": ("legal_threat", UrgencyLevel.HIGH),
    "lawsuit": ("legal_threat", UrgencyLevel.HIGH),
    "court": ("legal_threat", UrgencyLevel.HIGH),
    "legal_action": ("legal_threat", UrgencyLevel.HIGH),
    "regulator": ("legal_threat", UrgencyLevel.HIGH),
}

# Hazards that are not (yet) a health topic: the product itself is dangerous. Patterns here
# and below are over `fold`ed, lower-cased text.
SAFETY_PATTERNS: tuple[str, ...] = (
    # The hazard has to be happening: not "the Fire TV", "a fire pit", "a smoke detector",
    # "flame red" or "melted" chocolate.
    r"caught\s+fire|on\s+fire|set\s+(?:on\s+)?fire|fire\s+hazard|burst\s+into\s+flames?|flames",
    r"(?:house|kitchen|small|electrical)\s+fire|(?:started|caused)\s+a\s+fire",
    r"(?:smoke|fumes)\s+(?:was\s+|is\s+|started\s+)?(?:coming|came|pouring|poured|billowing)",
    r"(?:started|began|starts|was|is|it'?s|keeps)\s+(?:to\s+)?smok(?:e|ing)",
    r"(?:smell(?:s|ed|ing)?|smelt)\s+(?:of\s+|like\s+)?(?:smoke|burning|gas)|burning\s+smell",
    r"sparks|sparking|explod\w*|explosion|blew\s+up|overheat\w*",
    r"electric(?:al)?\s+shock|electrocut\w*|shocked\s+me|gave\s+me\s+a\s+shock|gas\s+leak",
    r"safety\s+(?:hazard|issue|risk|concern|recall)|dangerous|unsafe|hazardous",
    # Not bare "llamas", which is also "you call", nor a "detector de humo".
    r"fuego|incendi\w*|en\s+llamas|llamaradas?|chispas|explot\w*|sobrecalent\w*",
    r"(?:sale|salia|salio|echa|echaba|echo)\s+humo|olor\s+a\s+(?:quemado|humo|gas)",
    r"descarga\s+electrica|calambre|peligros[oa]s?",
)

_WEEKDAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DIAS = r"lunes|martes|miercoles|jueves|viernes|sabado|domingo"
_MONTHS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_EVENTS = (
    r"wedding|birthday|funeral|party|anniversary|graduation|christening|baptism|trip|holiday"
    r"|vacation|flight|event|interview|race"
)
_EVENTOS = (
    r"boda|cumpleanos|bautizo|comunion|funeral|entierro|fiesta|viaje|evento|aniversario"
    r"|graduacion|vuelo"
)

# A date the customer is working to. "Today" alone is not one ("I ordered today"): it needs a
# word of need or limit in front of it.
DEADLINE_PATTERNS: tuple[str, ...] = (
    r"asap|a\.s\.a\.p|emergency|immediately|right\s+away|as\s+soon\s+as\s+possible",
    r"(?:need|needs|needed|must|have\s+to|has\s+to|by|before|until|till|for)\s+"
    r"(?:(?:it|this|them|these|that|those)\s+)?(?:by\s+|before\s+)?"
    rf"(?:today|tonight|tomorrow|this\s+(?:morning|afternoon|evening|weekend)"
    rf"|(?:this\s+|next\s+)?(?:{_WEEKDAYS})|end\s+of\s+(?:the\s+)?(?:day|week)|eod)",
    rf"(?:by|before|until|till)\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)|(?:by|before)\s+(?:{_MONTHS})"
    r"\w*\.?\s+\d{1,2}",
    r"(?:for|before)\s+(?:(?:my|our|a|the|his|her|their)\s+)?(?:\w+(?:'s|s')\s+)?"
    rf"(?:{_EVENTS})",
    r"urgent\w*|urgencia|cuanto\s+antes|lo\s+antes\s+posible|inmediatamente|de\s+inmediato"
    r"|ya\s+mismo",
    r"(?:para|antes\s+del?|hasta)\s+(?:(?:el|este|esta)\s+)?"
    rf"(?:hoy|manana|esta\s+noche|{_DIAS}|fin\s+de\s+semana)",
    r"necesito\s+(?:\w+\s+){0,2}?(?:hoy|manana|ya)",
    rf"para\s+(?:mi|la|una|el|su|nuestra|nuestro)\s+(?:\w+\s+)?(?:{_EVENTOS})",
)

# What makes a message something to act on, besides a question mark. Without any of these (and
# with nothing else urgent and a tone that is not negative) a message is a greeting, thanks or
# praise: low.
REQUEST_PATTERNS: tuple[str, ...] = (
    r"please|pls|plz|por\s+favor|porfa",
    r"(?:can|could|would|will)\s+(?:you|u|i|we|someone|somebody)",
    r"i\s+(?:want|need|would\s+like|have\s+to|wanna)|i'?d\s+like|help\s+me|need\s+help",
    r"quiero|necesito|quisiera|puede[ns]?|podria[ns]?|ayud(?:ame|eme|enme|adme)",
    r"order\w*|pedid\w*|packages?|parcels?|paquetes?|deliver\w*|entreg\w*|envio\w*|shipp\w*",
    r"arriv\w*|lleg\w*|receiv\w*|recib\w*",
    r"refund\w*|reembols\w*|return\w*|devol\w*|devuel\w*|cancel\w*|exchang\w*|cambi\w*|track\w*",
    r"invoices?|facturas?|receipts?|accounts?|cuentas?|password|contrasena|payments?|pagos?",
    r"charg\w*|cobr\w*|sizes?|tallas?|stock|prices?|precios?|discounts?|descuentos?|codes?",
    r"codigos?|items?|articulos?|products?|productos?",
)


def _words(patterns: Sequence[str]) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?=\w)(?:{'|'.join(patterns)})(?!\w)")


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    return _words(SAFETY_PATTERNS), _words(DEADLINE_PATTERNS), _words(REQUEST_PATTERNS)


def _rank(level: UrgencyLevel) -> int:
    return _LEVELS.index(level)


def assess_urgency(
    *,
    text: str,
    sentiment: Sentiment,
    sensitive_topics: Sequence[SensitiveTopic],
    repeat_contact: bool = False,
    vip: bool = False,
) -> Urgency:
    """Grade how soon a message needs a person, with the reasons that set the grade.

    `sensitive_topics` is what `find_sensitive_topics` found in the same text: health topics
    count as safety, fraud and legal threats are read from them rather than searched twice.
    `repeat_contact` is the conversation's history; a "third time I'm asking" in the text (the
    sentiment's `repeat_contact` signal) counts too. Each of repeat contact, VIP and a sentiment
    at or below `NEGATIVE_SENTIMENT_THRESHOLD` raises the level one step: up to critical when
    the content is already high, up to high otherwise.
    """
    safety, deadline, request = _patterns()
    folded = fold(text).lower()
    content: dict[str, UrgencyLevel] = {}
    if safety.search(folded):
        content["safety"] = UrgencyLevel.CRITICAL
    for topic in sensitive_topics:
        if topic.category is SensitiveCategory.HEALTH:
            reason, level = "safety", UrgencyLevel.CRITICAL
        elif topic.topic in _TOPIC_REASONS:
            reason, level = _TOPIC_REASONS[topic.topic]
        else:
            continue
        content[reason] = max(level, content.get(reason, level), key=_rank)
    if deadline.search(folded):
        content["deadline"] = UrgencyLevel.HIGH

    if content:
        base = max(content.values(), key=_rank)
    elif (
        sentiment.label is SentimentLabel.NEGATIVE
        or "?" in folded
        or request.search(folded) is not None
    ):
        base = UrgencyLevel.NORMAL
    else:
        base = UrgencyLevel.LOW

    aggravating = {
        "repeat_contact": repeat_contact or "repeat_contact" in sentiment.frustration,
        "vip": vip,
        "negative_sentiment": sentiment.score <= NEGATIVE_SENTIMENT_THRESHOLD,
    }
    raised = tuple(name for name, applies in aggravating.items() if applies)
    ceiling = (
        UrgencyLevel.CRITICAL if _rank(base) >= _rank(UrgencyLevel.HIGH) else UrgencyLevel.HIGH
    )
    level = _LEVELS[min(_rank(base) + len(raised), _rank(ceiling))]
    return Urgency(level=level, reasons=tuple(r for r in _CONTENT_REASONS if r in content) + raised)
