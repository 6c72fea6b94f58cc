"""Sensitive topics: financial, health and legal matters that policy hands to a person.

Flagging is deliberately recall-leaning (a false alarm costs an agent a minute; a missed injury
or lawsuit costs far more) but every flag carries its evidence, the exact span of the original
text, so a person can see at once why it was raised. English and Spanish; keywords are matched
case-insensitively, on word boundaries, with the common inflections (sued/suing, injured) and
with or without Spanish accents.
"""

import re
from collections.abc import Iterator
from functools import cache

from cxops.domain.triage import SensitiveCategory, SensitiveTopic
from cxops.triage.text import fold

__all__ = ["TOPIC_PATTERNS", "find_sensitive_topics"]

_FINANCIAL = SensitiveCategory.FINANCIAL
_HEALTH = SensitiveCategory.HEALTH
_LEGAL = SensitiveCategory.LEGAL

# (category, topic, patterns). Patterns are regular expressions over `fold`ed, lower-cased text:
# ASCII letters stand for their accented forms, and apostrophes are straight. They must not
# contain capturing groups, and each is matched as whole words. Order matters only when two
# patterns could match at the same place: the first one listed wins.
TOPIC_PATTERNS: tuple[tuple[SensitiveCategory, str, tuple[str, ...]], ...] = (
    (
        _FINANCIAL,
        "identity_theft",
        (
            r"identity\s+(?:theft|fraud)",
            r"(?:stole|stolen|steal|using|used)\s+my\s+identity",
            r"identity\s+(?:was|has\s+been|got)\s+stolen",
            r"(?:robo|suplantacion|usurpacion)\s+de\s+(?:mi\s+)?identidad",
        ),
    ),
    (
        _FINANCIAL,
        "stolen_card",
        (
            r"(?:stolen|lost|cloned|compromised|skimmed)\s+(?:(?:credit|debit|bank)\s+)?cards?",
            r"cards?\s+(?:(?:was|were|has\s+been|have\s+been|got|is|been)\s+)?"
            r"(?:stolen|cloned|compromised|skimmed)",
            r"stole\s+(?:my|our)\s+(?:(?:credit|debit|bank)\s+)?(?:card|wallet|purse)",
            r"tarjeta\s+(?:de\s+(?:credito|debito)\s+)?(?:(?:fue|ha\s+sido|esta)\s+)?"
            r"(?:robada|clonada|perdida|extraviada)",
            r"(?:me\s+)?(?:han\s+)?(?:robado|robaron|clonado|clonaron)\s+(?:la|mi)\s+tarjeta",
        ),
    ),
    (
        _FINANCIAL,
        "account_takeover",
        (
            r"(?:account|acct)\s+(?:(?:was|has\s+been|got|is|been|were)\s+)?"
            r"(?:hacked|compromised|taken\s+over|broken\s+into)",
            r"hacked\s+(?:into\s+)?(?:my|our)\s+account",
            r"(?:someone|somebody)\s+(?:has\s+)?(?:logged|got|gotten|broke)\s+into\s+my\s+account",
            r"cuenta\s+(?:ha\s+sido\s+)?(?:hackeada|jaqueada|pirateada|comprometida)",
            r"(?:hackeado|hackearon|jaqueado|pirateado|piratearon)\s+(?:la|mi)\s+cuenta",
        ),
    ),
    (
        _FINANCIAL,
        "unauthorized_transaction",
        (
            r"un(?:authori[sz]ed|recogni[sz]ed|known)\s+(?:(?:credit\s+card|card|bank)\s+)?"
            r"(?:transactions?|charges?|payments?|purchases?|debits?|withdrawals?|orders?)",
            r"(?:didn'?t|did\s+not|never)\s+(?:authori[sz]e|make|place|recogni[sz]e)\s+"
            r"(?:this|these|that|those|the|any)\s+(?:transactions?|charges?|payments?|purchases?)",
            r"(?:transactions?|charges?|payments?|purchases?|orders?)\s+(?:that\s+)?i\s+"
            r"(?:didn'?t|did\s+not|never)\s+(?:make|made|place|placed|authori[sz]e|authori[sz]ed)",
            r"(?:cargos?|compras?|pagos?|transaccion(?:es)?|movimientos?)\s+(?:no\s+autorizad[oa]s?"
            r"|(?:que\s+)?no\s+(?:he\s+)?(?:hice|hecho|realice|realizado|reconozco|autorice))",
            r"no\s+reconozco\s+(?:este|ese|el|un|estos|esos|los|unos)\s+"
            r"(?:cargos?|pagos?|compras?|movimientos?)",
        ),
    ),
    (
        _FINANCIAL,
        "chargeback",
        (r"charge[\s-]?backs?", r"contracargos?"),
    ),
    (
        _FINANCIAL,
        "bank_dispute",
        (
            r"(?:bank|card)\s+disputes?",
            r"disput(?:e|ed|ing)\s+(?:the|this|that|a|my|these|those)\s+"
            r"(?:charges?|transactions?|payments?)",
            r"(?:dispute|claim|complaint)\s+with\s+(?:my|the)\s+"
            r"(?:bank|card\s+issuer|credit\s+card\s+company)",
            r"(?:contact|contacting|call|calling|tell|telling|report\s+(?:it|this|you)\s+to)\s+"
            r"my\s+bank",
            r"(?:reclamacion|disputa|reclamar)\s+(?:con|en|a|al)\s+(?:mi\s+|el\s+)?banco",
            r"(?:llamar|llamare|contactar|contactare|hablar|hablare|avisar|avisare)\s+"
            r"(?:con\s+|a\s+)?(?:mi|el)\s+banco",
        ),
    ),
    (
        _FINANCIAL,
        "fraud",
        (
            r"fraud\w*",
            r"scam(?:s|med|mer|mers)?",
            r"phishing",
            # Not "estafeta", a Spanish post office.
            r"estaf(?:a|as|ad[oa]s?|ar|aron|an|ador(?:es)?)",
        ),
    ),
    (
        _HEALTH,
        "self_harm",
        (
            r"(?:kill|hurt|harm)(?:ing)?\s+my\s*self",
            r"end(?:ing)?\s+(?:it\s+all|my\s+(?:own\s+)?life)",
            r"suicid(?:e|al)",
            r"(?:want|wanna)\s+to\s+die",
            r"(?:no|any)\s+(?:reason|point)\s+(?:to|in|of)\s+(?:living|live|going\s+on)",
            r"point\s+(?:of|in)\s+living",
            r"suicid(?:io|arme|arse)",
            r"quitarme\s+la\s+vida",
            r"(?:no\s+)?quiero\s+(?:morir(?:me)?|vivir\s+mas)",
            r"hacerme\s+dano",
        ),
    ),
    (
        _HEALTH,
        "allergic_reaction",
        (
            r"allergic(?:\s+reaction)?",
            r"allerg(?:y|ies)",
            r"anaphyla\w*",
            r"hives",
            r"reaccion\s+alergica",
            r"alergi(?:a|as|co|ca)",
            r"urticaria",
        ),
    ),
    (
        _HEALTH,
        "injury",
        (
            r"injur(?:y|ies|ed|ing|e|es)",
            r"(?<!n't\s)(?<!not\s)hurt(?:s|ing)?",  # not "it doesn't hurt to ask"
            r"bleed(?:s|ing)?",
            r"bled",
            r"herid[oa]s?",
            r"lesion(?:es|ad[oa]s?)?",
            r"lastim\w*",
            r"me\s+(?:hice|he\s+hecho|hizo|ha\s+hecho)\s+dano",
        ),
    ),
    (
        _HEALTH,
        "burn",
        (r"burn(?:s|ed|t|ing)?", r"quemadura\w*", r"me\s+quem(?:e|o)"),
    ),
    (
        _HEALTH,
        "rash",
        (r"rash(?:es)?", r"sarpullido\w*", r"ronchas?", r"erupcion\s+(?:cutanea|en\s+la\s+piel)"),
    ),
    (
        _HEALTH,
        "hospital",
        (
            r"hospital\w*",
            r"emergency\s+room",
            r"a\s?&\s?e",
            r"ambulance",
            r"urgencias",
            r"ambulancia",
        ),
    ),
    (
        _HEALTH,
        "choking",
        (r"chok(?:e|es|ed|ing)", r"suffocat\w*", r"atragant\w*", r"asfixi\w*"),
    ),
    (
        _HEALTH,
        "poison",
        (r"poison\w*", r"intoxica\w*", r"envenena\w*"),
    ),
    (
        _LEGAL,
        "data_protection",
        (
            r"gdpr|ccpa|cpra|rgpd|lopd(?:gdd)?|dsars?",
            r"data\s+protection(?:\s+act)?",
            r"(?:data\s+)?subject\s+access\s+requests?",
            r"right\s+to\s+(?:be\s+forgotten|erasure)",
            r"(?:delete|erase|remove|wipe|purge)\s+(?:all\s+)?(?:of\s+)?(?:my|our)\s+"
            r"(?:personal\s+)?(?:data|information|info|details)",
            r"proteccion\s+de\s+datos",
            r"(?:borr|elimin|suprim)(?:ar|en|e|ad|eis)\s+(?:todos\s+)?mis\s+datos"
            r"(?:\s+personales)?",
            r"derecho\s+(?:al\s+olvido|de\s+(?:acceso|supresion))",
        ),
    ),
    (
        _LEGAL,
        "regulator",
        (
            r"attorneys?\s+general",
            r"trading\s+standards",
            r"better\s+business\s+bureau|bbb",
            r"ftc|cfpb|ombudsman",
            r"hojas?\s+de\s+reclamaciones",
            r"(?:oficina\s+(?:municipal\s+)?de\s+(?:informacion\s+)?(?:al\s+)?consumidor|omic)",
            r"facua|ocu",
        ),
    ),
    (
        _LEGAL,
        "lawyer",
        (
            r"lawyers?",
            r"attorneys?",
            r"solicitors?",
            r"legal\s+(?:counsel|advice|team|representative)",
            r"abogad[oa]s?",
        ),
    ),
    (
        _LEGAL,
        "lawsuit",
        (
            r"law\s?suits?",
            r"class[\s-]action",
            r"sued|suing",
            # Bare "sue" is also a first name, so it needs a threat around it.
            r"sue(?=\s+(?:you|u|ya|them|your|the|this|for|over|him|her|every))",
            r"(?:will|gonna|going\s+to|i'?ll|we'?ll|could|should|can|might|may|would|"
            r"want\s+to|plan\s+to|planning\s+to|intend\s+to|threaten\w*\s+to|right\s+to|"
            r"ready\s+to|prepared\s+to)\s+sue",
            r"demandar\w*",
            r"(?:poner|interponer|presentar)(?:les|le)?\s+una\s+demanda",
            r"demanda\s+(?:judicial|legal|colectiva)",
        ),
    ),
    (
        _LEGAL,
        "court",
        (
            r"(?:to|in|into|through|before)\s+(?:the\s+)?(?:small[\s-]claims?\s+)?court",
            r"small[\s-]claims?(?:\s+court)?",
            r"court\s+(?:case|action|claim|order|proceedings|date|hearing)",
            r"tribunal(?:es)?",
            r"juzgados?",
            r"(?:a|en|un)\s+juicio",
        ),
    ),
    (
        _LEGAL,
        "legal_action",
        (
            r"legal\s+(?:action|proceedings|steps|measures|route)",
            r"(?:acciones?|medidas|via)\s+(?:legal(?:es)?|judicial(?:es)?)",
            r"denuncia\w*",
        ),
    ),
)


@cache
def _matcher() -> tuple[re.Pattern[str], dict[str, tuple[SensitiveCategory, str]]]:
    groups: dict[str, tuple[SensitiveCategory, str]] = {}
    alternatives = []
    for index, (category, topic, patterns) in enumerate(TOPIC_PATTERNS):
        name = f"t{index}"
        groups[name] = (category, topic)
        alternatives.append(f"(?P<{name}>{'|'.join(patterns)})")
    pattern = re.compile(rf"(?<!\w)(?=\w)(?:{'|'.join(alternatives)})(?!\w)")
    return pattern, groups


def _matches(text: str) -> Iterator[tuple[SensitiveCategory, str, int, int]]:
    pattern, groups = _matcher()
    for match in pattern.finditer(fold(text).lower()):
        category, topic = groups[match.lastgroup or ""]
        yield category, topic, match.start(), match.end()


def find_sensitive_topics(text: str) -> tuple[SensitiveTopic, ...]:
    """Find the sensitive topics a message raises, each once, with its first evidence.

    Returns topics in the order their evidence appears; `evidence` is exactly
    `text[start:end]`. The whole text is searched (it is one linear regular-expression pass),
    because a threat of legal action in the last paragraph of a long email still counts.
    """
    found: dict[str, SensitiveTopic] = {}
    for category, topic, start, end in _matches(text):
        if topic not in found:
            found[topic] = SensitiveTopic(
                category=category, topic=topic, evidence=text[start:end], start=start, end=end
            )
    return tuple(found.values())
