"""Sentiment of one message, its signs of frustration, and the trajectory of a conversation.

VADER scores the text; on its own it reads retail support badly ("please help" is positive,
"it still hasn't arrived" and "third time I'm asking" are neutral, Spanish is invisible), so
three corrections are added on VADER's own unnormalised scale before it is squashed back to
-1..+1: a retail lexicon override, retail phrases, and a small Spanish lexicon written for this
project. Only the first `PREFIX_CHARS` characters are read: VADER costs about a microsecond per
character, and the opening of a long email says how its writer feels.
"""

import math
import re
from collections.abc import Sequence
from functools import cache

from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
    SentimentIntensityAnalyzer,
)

from cxops.domain.triage import Sentiment, SentimentLabel, SentimentTrajectory
from cxops.triage.text import fold

__all__ = [
    "FORMULAS",
    "LEXICON_OVERRIDES",
    "NEGATIVE_CUTOFF",
    "PHRASES",
    "POSITIVE_CUTOFF",
    "PREFIX_CHARS",
    "SPANISH_BOOSTERS",
    "SPANISH_LEXICON",
    "SPANISH_NEGATORS",
    "score_sentiment",
    "trajectory",
]

PREFIX_CHARS = 1_000
# VADER's own cut-offs for its compound score.
POSITIVE_CUTOFF = 0.05
NEGATIVE_CUTOFF = -0.05

_VADER_ALPHA = 15.0  # the constant VADER normalises with: x / sqrt(x^2 + alpha)
_NEGATION_SCALAR = -0.74  # VADER's weight for a negated word, reused for Spanish
_BOOSTER_INCREMENT = 0.293  # VADER's increment for "very"-like words, reused for Spanish

# Words whose VADER valence is wrong for retail support. Requests and programme names are not
# feelings ("please help me cancel", "loyalty rewards", "gift card", "customer care", "burnt my
# hand"); "no" is a quantifier ("no tracking yet") and, in Spanish, plain negation (VADER still
# uses it to negate the word after it), and "ha", "sin", "favor" are Spanish function words
# ("no ha llegado", "sin respuesta", "por favor"); a few complaints VADER does not know, or reads
# the wrong way round ("your service is a joke").
LEXICON_OVERRIDES: tuple[tuple[str, float], ...] = (
    ("no", 0.0),
    ("ha", 0.0),
    ("sin", 0.0),
    ("favor", 0.0),
    ("hand", 0.0),
    ("please", 0.0),
    ("help", 0.0),
    ("like", 0.0),
    ("want", 0.0),
    ("cancel", 0.0),
    ("pay", 0.0),
    ("care", 0.0),
    ("support", 0.0),
    ("credit", 0.0),
    ("free", 0.0),
    ("gift", 0.0),
    ("reward", 0.0),
    ("rewards", 0.0),
    ("loyalty", 0.0),
    ("bonus", 0.0),
    ("vip", 0.0),
    ("benefit", 0.0),
    ("benefits", 0.0),
    ("secure", 0.0),
    ("united", 0.0),
    ("dear", 0.0),
    ("sincerely", 0.0),
    ("joke", -1.5),
    ("kidding", -0.5),
    ("delays", -1.3),
    ("overcharged", -2.0),
    ("unhelpful", -2.0),
    ("shambles", -2.2),
    ("disgraceful", -2.4),
    ("nightmare", -2.3),
    ("garbage", -2.0),
    ("trash", -2.0),
    ("rubbish", -2.0),
    ("junk", -1.8),
    ("asshole", -2.5),
    ("burn", -1.8),
    ("burnt", -1.8),
    ("burned", -1.8),
)

# Openings and sign-offs of emails say nothing about how the writer feels ("Best regards" would
# add more to an angry email than "unacceptable" takes away); they are blanked before scoring.
FORMULAS: tuple[str, ...] = (
    r"(?:best|kind|warm|warmest|kindest)\s+(?:regards|wishes)",
    r"all\s+the\s+best",
    r"(?:i\s+)?hope\s+(?:you\s+are|you'?re|this\s+finds\s+you|all\s+is)\s+(?:doing\s+)?well",
    r"(?:thanks|thank\s+you)\s+in\s+advance",
    r"best,?\s*$",
)

# Retail phrases VADER cannot see, over `fold`ed lower-case text, grouped by valence. The names
# `repeat_contact` and `profanity` are also frustration signals. Patterns hold no capturing
# groups and match whole words.
_NOT = (
    r"(?:hasn'?t|has\s+not|haven'?t|have\s+not|hadn'?t|didn'?t|did\s+not|never|still\s+not"
    r"|not\s+yet)"
)
PHRASES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    (
        "repeat_contact",
        -1.5,
        (
            r"(?:second|third|fourth|fifth|sixth|2nd|3rd|4th|5th|6th|\d+th|umpteenth|nth)\s+time",
            r"(?:asked|called|contacted|emailed|e-mailed|written|wrote|messaged|chatted|rang|"
            r"phoned|tried|chased|complained)\s+(?:\w+\s+){0,3}?(?:two|three|four|five|six|"
            r"several|multiple|many|countless|numerous|\d+)\s+times",
            r"(?:asking|writing|contacting|calling|emailing|messaging|chasing|telling|explaining"
            r"|complaining|here|back)\s+(?:you\s+)?again|once\s+again|yet\s+again|again\s+and\s+again",
            r"still\s+waiting|still\s+no\s+(?:reply|response|answer|update|news|refund|word)",
            r"already\s+(?:told|asked|explained|sent|contacted|called|emailed|written)",
            r"as\s+i\s+(?:said|mentioned|explained|wrote)\s+(?:before|already|previously|earlier)",
            r"(?:segunda|tercera|cuarta|quinta|enesima)\s+vez|otra\s+vez|de\s+nuevo",
            r"(?:llamado|llame|escrito|escribi|preguntado|pregunte|reclamado|reclame|contactado|"
            r"contacte|dicho|repetido|insistido|solicitado|solicite)\s+(?:\w+\s+){0,3}?"
            r"(?:dos|tres|cuatro|cinco|varias|muchas|mil|\d+)\s+veces",
            r"sigo\s+esperando|todavia\s+espero|ya\s+(?:os|les|te|lo)\s+(?:he\s+)?"
            r"(?:dije|dicho|explique|explicado|escribi|escrito|llame|llamado)",
        ),
    ),
    (
        "profanity",
        -1.0,
        (
            r"fuck\w*|shit\w*|bullshit|crap(?:py)?|wtf|ffs|stfu|damn\w*|goddam\w*|piss(?:ed)?",
            r"bastards?|ass(?:hole)?s?|arse(?:hole)?s?|bitch\w*|bollocks",
            # Masked: f***, f*cking, sh*t, a**hole, b*llsh*t.
            r"(?:f|fu|s|sh|b|a|cr|d|p)[*#$%]+[a-z*#$%]*",
            r"mierda|joder|jodid[oa]s?|put[oa]s?|putada|cabron\w*|hostias?|carajo|chingad\w*"
            r"|pendej\w*|gilipollas",
        ),
    ),
    (
        "not_arrived",
        -2.0,
        (
            rf"{_NOT}\s+(?:\w+\s+){{0,2}}?(?:arrived?|come|received?|delivered|shipped|"
            r"showed\s+up|turned\s+up)",
            r"marked\s+(?:as\s+)?delivered\s+but",
            r"(?:is|was|running|so|too|very|arrived|arriving)\s+late",
            r"no\s+(?:me\s+)?(?:ha|han|he|hemos)\s+(?:llegado|recibido)|nunca\s+(?:me\s+)?"
            r"(?:llego|llegaron|recibi)|no\s+(?:me\s+)?(?:llega|llegan|llego|recibi)",
        ),
    ),
    (
        "no_answer",
        -1.8,
        (
            r"(?:nobody|no\s+one|no-one|noone)\s+(?:\w+\s+){0,2}?(?:answers?|answered|answering|"
            r"replies|replied|responds?|responded|gets?\s+back|got\s+back|picks?\s+up|picked\s+up|"
            r"helps?|helped|cares?|calls?\s+back|called\s+back)",
            r"(?:no|without\s+a|without\s+any|never\s+got\s+a)\s+(?:reply|response|answer|"
            r"call\s*back|follow[\s-]?up|update|news|word|confirmation|tracking)",
            r"(?:haven'?t|have\s+not|hasn'?t|has\s+not|didn'?t|did\s+not|never)\s+"
            r"(?:heard\s+back|got(?:ten)?\s+(?:a\s+|any\s+)?(?:reply|response|answer))",
            r"ignor(?:ed|ing)\s+(?:me|my)",
            r"(?:on\s+hold|waiting)\s+for\s+(?:over\s+)?(?:an?|\d+)\s+(?:hours?|minutes?|mins?|"
            r"days?|weeks?)",
            r"nadie\s+(?:me\s+)?(?:contesta|responde|atiende|ayuda|llama|coge)",
            r"sin\s+(?:ninguna\s+)?respuesta|no\s+(?:me\s+)?(?:contestan|responden|atienden|"
            r"han\s+contestado|han\s+respondido)",
        ),
    ),
    (
        "not_working",
        -1.5,
        (
            r"(?:doesn'?t|does\s+not|don'?t|do\s+not|won'?t|will\s+not|isn'?t|is\s+not|stopped|"
            r"no\s+longer)\s+(?:\w+\s+)?(?:work|working|works|turn\s+on|switch\s+on|charge|charging)",
            r"falling\s+apart|fell\s+apart|rip[\s-]?off|ripped\s+off|dead\s+on\s+arrival",
            r"double[\s-]charged|charged\s+(?:me\s+)?(?:twice|two\s+times|2\s+times|three\s+times)",
            r"no\s+funciona\w*|dejo\s+de\s+funcionar|no\s+(?:enciende|carga)",
            r"(?:llego|vino|viene|esta)\s+(?:rot[oa]s?|danad[oa]s?|abiert[oa]s?)",
            r"(?:cobrado|cobraron|cobrasteis)\s+(?:dos\s+veces|de\s+mas)",
        ),
    ),
    (
        "never_again",
        -2.0,
        (
            r"never\s+(?:\w+\s+){0,3}?again",
            r"(?:last|final)\s+time\s+i\s+(?:\w+\s+){0,2}?(?:order|buy|shop|use)",
            r"(?:taking|take)\s+my\s+(?:business|money|custom)\s+elsewhere",
            r"nunca\s+(?:mas|jamas)|no\s+(?:vuelvo|volvere)\s+a\s+(?:comprar|pedir)",
        ),
    ),
    (
        "money_back",
        -1.5,
        (
            r"(?:want|need|demand|give\s+me|get)\s+(?:\w+\s+){0,2}?money\s+back",
            r"refund\s+me\s+(?:now|immediately|right\s+now|asap)",
            r"(?:quiero|exijo|devuelvan|devuelvanme|devolverme)\s+(?:\w+\s+){0,2}?dinero",
        ),
    ),
)
_SIGNAL_PHRASES = ("profanity", "repeat_contact")

# Spanish polarity lexicon written for this project (VADER's scale, -4..+4), keys without
# accents because customers often leave them out and `fold` removes them. Words VADER already
# knows (terrible, horrible, genial ...) are left to VADER.
SPANISH_LEXICON: tuple[tuple[str, float], ...] = (
    ("gracias", 1.9),
    ("agradezco", 1.9),
    ("agradecido", 2.0),
    ("agradecida", 2.0),
    ("excelente", 3.0),
    ("perfecta", 2.5),
    ("bueno", 1.9),
    ("buena", 1.9),
    ("buen", 1.9),
    ("buenisimo", 2.8),
    ("bien", 1.4),
    ("contento", 2.2),
    ("contenta", 2.2),
    ("feliz", 2.6),
    ("encantado", 2.4),
    ("encantada", 2.4),
    ("encanta", 2.6),
    ("encantan", 2.6),
    ("gusta", 1.7),
    ("gustan", 1.7),
    ("amable", 2.0),
    ("amables", 2.0),
    ("rapido", 1.2),
    ("rapida", 1.2),
    ("maravilloso", 2.9),
    ("maravillosa", 2.9),
    ("estupendo", 2.7),
    ("estupenda", 2.7),
    ("fantastico", 2.9),
    ("fantastica", 2.9),
    ("bonito", 1.8),
    ("bonita", 1.8),
    ("satisfecho", 2.0),
    ("satisfecha", 2.0),
    ("recomiendo", 1.8),
    ("resuelto", 1.4),
    ("solucionado", 1.4),
    ("mal", -2.0),
    ("malo", -2.2),
    ("mala", -2.2),
    ("malisimo", -3.0),
    ("pesimo", -3.1),
    ("pesima", -3.1),
    ("peor", -2.4),
    ("enfadado", -2.4),
    ("enfadada", -2.4),
    ("enojado", -2.4),
    ("enojada", -2.4),
    ("molesto", -1.9),
    ("molesta", -1.9),
    ("harto", -2.5),
    ("harta", -2.5),
    ("frustrado", -2.3),
    ("frustrada", -2.3),
    ("furioso", -2.9),
    ("furiosa", -2.9),
    ("indignado", -2.6),
    ("indignada", -2.6),
    ("triste", -1.9),
    ("preocupado", -1.4),
    ("preocupada", -1.4),
    ("decepcionado", -2.3),
    ("decepcionada", -2.3),
    ("decepcion", -2.3),
    ("decepcionante", -2.4),
    ("verguenza", -2.2),
    ("vergonzoso", -2.5),
    ("queja", -1.5),
    ("quejas", -1.5),
    ("reclamacion", -1.2),
    ("estafa", -3.0),
    ("estafado", -3.0),
    ("estafados", -3.0),
    ("enganado", -2.6),
    ("enganada", -2.6),
    ("engano", -2.4),
    ("mentira", -2.3),
    ("mentiras", -2.3),
    ("roto", -1.8),
    ("rotos", -1.8),
    ("danado", -1.9),
    ("danada", -1.9),
    ("defectuoso", -2.0),
    ("defectuosa", -2.0),
    ("retraso", -1.4),
    ("retrasado", -1.3),
    ("retrasada", -1.3),
    ("perdido", -1.3),
    ("perdida", -1.3),
    ("problema", -1.3),
    ("problemas", -1.3),
    ("inaceptable", -2.6),
    ("indignante", -2.8),
    ("ridiculo", -2.0),
    ("ridicula", -2.0),
    ("lamentable", -2.5),
    ("desastre", -2.7),
    ("basura", -2.6),
    ("inutil", -2.0),
    ("inutiles", -2.0),
    ("incompetentes", -2.3),
    ("cutre", -1.8),
)
SPANISH_NEGATORS = frozenset({"no", "nunca", "jamas", "ni", "tampoco", "sin", "nada"})
SPANISH_BOOSTERS = frozenset(
    {"muy", "super", "tan", "demasiado", "totalmente", "realmente", "muchas", "muchisimas"}
)
_NEGATION_WINDOW = 3  # words before a Spanish word that can negate it, as in VADER

_WORD = re.compile(r"[^\W\d_]{2,}")
_TOKEN = re.compile(r"[a-z]+|[.,;:!?¡¿\n]")
# Full-width forms (U+FF01, U+FF1F) count as well: phone keyboards produce them.
_REPEATED_PUNCTUATION = re.compile(r"[!¡\uFF01]{2,}|[?¿\uFF1F]{2,}|[!?¡¿\uFF01\uFF1F]{3,}")
_SHOUTING_MIN_WORDS = 3


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(LEXICON_OVERRIDES)
    return analyzer


@cache
def _spanish() -> dict[str, float]:
    english = _analyzer().lexicon
    return {word: valence for word, valence in SPANISH_LEXICON if word not in english}


@cache
def _formulas() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?=\w)(?:{'|'.join(FORMULAS)})(?!\w)", re.IGNORECASE | re.MULTILINE)


@cache
def _phrases() -> tuple[re.Pattern[str], dict[str, float]]:
    alternatives = "|".join(f"(?P<{name}>{'|'.join(patterns)})" for name, _, patterns in PHRASES)
    pattern = re.compile(rf"(?<!\w)(?=\w)(?:{alternatives})(?!\w)")
    return pattern, {name: valence for name, valence, _ in PHRASES}


def _unnormalise(compound: float) -> float:
    """Invert VADER's squashing so that more valence can be added on its scale."""
    bounded = max(-0.9999, min(0.9999, compound))
    return bounded * math.sqrt(_VADER_ALPHA / (1.0 - bounded * bounded))


def _spanish_valence(lowered: str) -> float:
    """Sum the Spanish lexicon over the words, negated within a clause as VADER negates."""
    lexicon = _spanish()
    total = 0.0
    since_negator = _NEGATION_WINDOW
    previous = ""
    for token in _TOKEN.findall(lowered):
        if not token[0].isalpha():  # a clause ends: "no hay problema, gracias"
            since_negator, previous = _NEGATION_WINDOW, ""
            continue
        valence = lexicon.get(token)
        if valence is not None:
            if previous in SPANISH_BOOSTERS:
                valence += math.copysign(_BOOSTER_INCREMENT, valence)
            if since_negator < _NEGATION_WINDOW:
                valence *= _NEGATION_SCALAR
            total += valence
        since_negator = 0 if token in SPANISH_NEGATORS else since_negator + 1
        previous = token
    return total


def _is_shouting(text: str) -> bool:
    words = _WORD.findall(text)
    upper = sum(1 for word in words if word.isupper())
    return upper >= _SHOUTING_MIN_WORDS and upper * 2 > len(words)


def score_sentiment(text: str) -> Sentiment:
    """Score how a message feels, from -1 to +1, and list the signs of frustration in it.

    The label follows VADER's cut-offs (at least +0.05 positive, at most -0.05 negative).
    Frustration signals, in this order when present: `shouting` (most words in capitals),
    `repeated_punctuation` (!! ?? ?!?), `profanity` (masked too: f***), `repeat_contact`
    ("third time I'm asking", "still waiting", "already told you"). Reads only the first
    `PREFIX_CHARS` characters.
    """
    head = fold(text[:PREFIX_CHARS])
    plain = _formulas().sub(" ", head)
    raw = _unnormalise(_analyzer().polarity_scores(plain)["compound"])
    pattern, valences = _phrases()
    seen: set[str] = set()
    lowered = head.lower()
    for match in pattern.finditer(lowered):
        name = match.lastgroup or ""
        seen.add(name)
        raw += valences[name]
    raw += _spanish_valence(lowered)
    score = round(raw / math.sqrt(raw * raw + _VADER_ALPHA), 4)

    if score >= POSITIVE_CUTOFF:
        label = SentimentLabel.POSITIVE
    elif score <= NEGATIVE_CUTOFF:
        label = SentimentLabel.NEGATIVE
    else:
        label = SentimentLabel.NEUTRAL
    signals = {
        "shouting": _is_shouting(head),
        "repeated_punctuation": _REPEATED_PUNCTUATION.search(head) is not None,
        **{name: name in seen for name in _SIGNAL_PHRASES},
    }
    return Sentiment(
        score=score,
        label=label,
        frustration=tuple(name for name, present in signals.items() if present),
    )


def trajectory(scores: Sequence[float]) -> SentimentTrajectory:
    """Summarise a conversation's customer-turn scores, oldest first.

    `trend` is the least-squares slope of score against turn number (0 with a single turn);
    an empty history gives a neutral trajectory with `turns=0` rather than an error, because a
    conversation may hold no customer turn yet.
    """
    turns = len(scores)
    if turns == 0:
        return SentimentTrajectory(current=0.0, minimum=0.0, trend=0.0, turns=0)
    mean_turn = (turns - 1) / 2
    mean_score = sum(scores) / turns
    spread = sum((turn - mean_turn) ** 2 for turn in range(turns))
    covariance = sum((turn - mean_turn) * (s - mean_score) for turn, s in enumerate(scores))
    trend = covariance / spread if spread else 0.0
    return SentimentTrajectory(
        current=scores[-1], minimum=min(scores), trend=round(trend, 4), turns=turns
    )
