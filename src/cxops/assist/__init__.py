"""Agent assist: the knowledge base it draws on (articles, chunks, macros) and how it is filled.

`kb` reads and chunks documents without I/O; `library` imports a retailer's files and keeps the
shipped articles stored, one transaction per file.
"""

from cxops.assist.kb import (
    chunk,
    parse_html,
    parse_macros,
    parse_markdown,
    shipped_articles,
    shipped_macros,
)
from cxops.assist.library import SUFFIXES, find_documents, import_knowledge, load_shipped

__all__ = [
    "SUFFIXES",
    "chunk",
    "find_documents",
    "import_knowledge",
    "load_shipped",
    "parse_html",
    "parse_macros",
    "parse_markdown",
    "shipped_articles",
    "shipped_macros",
]
