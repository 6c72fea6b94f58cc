"""Reading knowledge-base documents and cutting them into chunks (no I/O)."""

import re
import string

import pytest

from cxops.assist.kb import (
    MAX_CHUNK_WORDS,
    PLACEHOLDERS,
    chunk,
    parse_html,
    parse_macros,
    parse_markdown,
    shipped_articles,
    shipped_macros,
)
from cxops.configfile import ConfigError
from cxops.domain.errors import InvalidInputError
from cxops.domain.knowledge import ArticleSource
from cxops.learning.corpus import load_taxonomy

FRONT_MATTER = """\
---
id: returns-basics
title: Returning an item
topic: returns
intents: [return_item, exchange_item]
language: es-ES
layout: page
---
# Returning an item

Start with the order.

## How to start

Open **Orders** and choose the item.

## Refunds

Refunds take five business days.
"""


def words(count: int, word: str = "word") -> str:
    return " ".join([word] * count)


def test_that_front_matter_sets_the_fields_and_unknown_keys_are_ignored() -> None:
    article = parse_markdown(FRONT_MATTER, source_name="docs/whatever.md")

    assert article.id == "returns-basics"
    assert article.title == "Returning an item"
    assert article.topic == "returns"
    assert article.intents == ("return_item", "exchange_item")
    assert article.language == "es"
    assert article.source is ArticleSource.IMPORTED
    assert article.body.startswith("Start with the order.")


def test_that_a_plain_markdown_file_takes_its_id_and_title_from_the_file_and_heading() -> None:
    article = parse_markdown("# Gift wrapping\n\nWe wrap for free.\n", source_name="x/Gift Wrap.md")

    assert article.id == "gift-wrap"
    assert article.title == "Gift wrapping"
    assert article.topic == "general"
    assert article.intents == ()
    assert article.language == "en"
    assert article.body == "We wrap for free."


def test_that_without_a_heading_the_title_is_the_file_name() -> None:
    article = parse_markdown("We wrap for free.", source_name="gift_wrap-policy.markdown")
    assert article.title == "gift wrap policy"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        pytest.param("---\nlanguage: klingon\n---\nText.", "language", id="bad-language"),
        pytest.param("---\nid: Not A Slug\n---\nText.", "id", id="bad-id"),
        pytest.param("---\nintents: order_status\n---\nText.", "intents", id="intents-not-list"),
        pytest.param("---\ntitle: x\nText.", "front matter", id="unclosed"),
        pytest.param("---\ntitle: [x\n---\nText.", "front matter", id="bad-yaml"),
        pytest.param("---\n- a\n---\nText.", "front matter", id="not-a-mapping"),
        pytest.param("---\ntitle: x\n---\n\n## Only a heading\n", "body", id="no-text"),
    ],
)
def test_that_an_unusable_markdown_file_is_refused_naming_the_file_and_field(
    text: str, field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_markdown(text, source_name="docs/faq.md")
    assert caught.value.field == f"docs/faq.md: {field}"


def test_that_the_fingerprint_ignores_cosmetic_whitespace_but_not_content() -> None:
    original = parse_markdown(FRONT_MATTER, source_name="a.md")
    windows = parse_markdown(
        FRONT_MATTER.replace("\n", "  \r\n").replace("## Refunds", "\n\n## Refunds"),
        source_name="a.md",
    )
    reworded = parse_markdown(FRONT_MATTER.replace("five", "ten"), source_name="a.md")
    retagged = parse_markdown(FRONT_MATTER.replace(", exchange_item", ""), source_name="a.md")

    assert windows.sha256 == original.sha256
    assert len({original.sha256, reworded.sha256, retagged.sha256}) == 3


PAGE = """<!doctype html>
<html lang="es-MX">
<head>
  <title>Envíos &amp; entregas</title>
  <meta name="cxops:intents" content="delivery_options, order_status">
  <meta name="cxops:topic" content="shipping">
  <style>body { color: red }</style>
  <script>trackVisitor("secret");</script>
</head>
<body>
  <nav><a href="/">Inicio</a> <a href="/ayuda">Ayuda</a></nav>
  <h1>Envíos</h1>
  <p>Enviamos a todo el país.<br>Sin coste desde $50.</p>
  <h2>Opciones</h2>
  <ul><li>Estándar: 3-5 días</li><li><p>Exprés: 1-2 días</p></li></ul>
  <h3>Seguimiento</h3>
  <div>Recibirás un correo con el número.</div>
</body>
</html>
"""


def test_that_an_html_page_becomes_markdown_sections_without_scripts_or_navigation() -> None:
    article = parse_html(PAGE, source_name="site/envios.html")

    assert article.id == "envios"
    assert article.title == "Envíos & entregas"
    assert article.language == "es"
    assert article.topic == "shipping"
    assert article.intents == ("delivery_options", "order_status")
    assert article.body == (
        "Enviamos a todo el país.\n\n"
        "Sin coste desde $50.\n\n"
        "## Opciones\n\n"
        "- Estándar: 3-5 días\n"
        "- Exprés: 1-2 días\n\n"
        "## Seguimiento\n\n"
        "Recibirás un correo con el número."
    )
    for dropped in ("trackVisitor", "color", "Inicio", "Ayuda"):
        assert dropped not in article.body


def test_that_an_html_page_without_a_title_is_named_by_its_first_h1() -> None:
    article = parse_html("<h1>Store hours</h1><p>9 to 5.</p>", source_name="hours.htm")
    assert article.title == "Store hours"
    assert article.language == "en"
    assert article.body == "9 to 5."


def test_that_an_html_page_without_text_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"empty\.html: body"):
        parse_html("<html><script>x()</script></html>", source_name="empty.html")


def test_that_each_section_is_a_chunk_led_by_the_title_and_heading() -> None:
    article = parse_markdown(FRONT_MATTER, source_name="a.md")

    chunks = chunk(article)

    assert [(c.id, c.ordinal, c.heading) for c in chunks] == [
        ("returns-basics#0", 0, ""),
        ("returns-basics#1", 1, "How to start"),
        ("returns-basics#2", 2, "Refunds"),
    ]
    assert chunks[0].text == "Returning an item\n\nStart with the order."
    assert chunks[1].text == (
        "Returning an item\nHow to start\n\nOpen **Orders** and choose the item."
    )
    assert all(c.language == "es" and c.intents == article.intents for c in chunks)
    assert chunk(article) == chunks


def test_that_a_long_section_is_split_at_paragraph_ends_within_the_word_limit() -> None:
    paragraphs = [words(70, f"p{i}") for i in range(5)]
    article = parse_markdown("## Long\n\n" + "\n\n".join(paragraphs), source_name="long.md")

    chunks = chunk(article)

    bodies = [c.text.split("\n\n", 1)[1] for c in chunks]
    assert bodies == [
        f"{paragraphs[0]}\n\n{paragraphs[1]}",
        f"{paragraphs[2]}\n\n{paragraphs[3]}",
        paragraphs[4],
    ]
    assert all(c.heading == "Long" for c in chunks)


def test_that_an_overlong_paragraph_is_split_at_sentences_then_words() -> None:
    sentences = [words(100, f"s{i}") + "." for i in range(3)]
    article = parse_markdown(" ".join(sentences) + "\n\n" + words(400, "run"), source_name="run.md")

    bodies = [c.text.split("\n\n", 1)[1] for c in chunk(article)]

    assert bodies[:3] == sentences
    assert all(len(body.split()) <= MAX_CHUNK_WORDS for body in bodies)
    assert sum(len(body.split()) for body in bodies) == 700


def test_that_a_heading_without_text_yields_no_chunk() -> None:
    article = parse_markdown("## Empty\n\n## Full\n\nSome text.", source_name="h.md")
    assert [c.heading for c in chunk(article)] == ["Full"]


def test_that_the_shipped_articles_load_and_each_yields_chunks_within_the_limit() -> None:
    articles = shipped_articles()
    intents = {definition.name for definition in load_taxonomy()}

    assert len(articles) >= 40
    assert len({a.id for a in articles}) == len(articles)
    assert {"en", "es"} <= {a.language for a in articles}
    for article in articles:
        assert article.source is ArticleSource.SHIPPED
        assert set(article.intents) <= intents, article.id
        chunks = chunk(article)
        assert chunks, article.id
        for c in chunks:
            assert len(c.text.split("\n\n", 1)[1].split()) <= MAX_CHUNK_WORDS, c.id


def test_that_the_shipped_macros_use_only_known_placeholders() -> None:
    macros = shipped_macros()
    intents = {definition.name for definition in load_taxonomy()}

    assert len({m.id for m in macros}) == len(macros) > 0
    for macro in macros:
        used = {name for _, name, _, _ in string.Formatter().parse(macro.text) if name}
        assert used <= PLACEHOLDERS, macro.id
        assert set(macro.requires) <= used, macro.id
        assert set(macro.intents) <= intents, macro.id
        assert not macro.text.endswith("\n")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("Hi {customer_name}", "unknown placeholders", id="unknown-placeholder"),
        pytest.param("Hi {first_name}", "requires", id="required-but-unused"),
    ],
)
def test_that_a_macro_with_a_placeholder_problem_is_refused_with_its_line(
    text: str, problem: str
) -> None:
    yaml_text = (
        "- id: m1\n  title: M\n  intents: []\n  language: en\n"
        f"  text: {text}\n  requires: [order_id]\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse_macros(yaml_text, source="macros.yaml")
    assert re.search(rf"macros\.yaml:1: 0: .*{problem}", caught.value.problems[0])
