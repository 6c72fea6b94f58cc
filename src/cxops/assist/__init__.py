"""Agent assist: what cxops offers the person handling a conversation.

`kb` reads and chunks documents without I/O and `library` imports a retailer's files; `retrieval`
searches the chunks (BM25 and static embeddings); `suggest` drafts ranked replies and `guidance`
gives next-best-actions, reminders and de-escalation phrases, both pure, under the `rules`;
`service` is the shell that reads the case, stores what is shown and records the feedback.
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
