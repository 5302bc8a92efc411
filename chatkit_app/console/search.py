"""The thread list's search: threads by what was said in them, by their title, or by an exact thread or user id.

Messages are searched in `Item.text`, titles in `Thread.title`. On PostgreSQL that
is full-text search with the 'simple' configuration (words lowercased, neither
stemmed nor dropped: travellers write in every language, and city names are not
English) and `websearch_to_tsquery`'s syntax ("quoted phrase", -excluded, or),
answered by the GIN indexes `item_text_search` and `thread_title_search`. On
SQLite each word must appear in a message or the title, in any case, as part of
a word too.

The matching threads are one `IN (... UNION ALL ...)` of the three ways to
match, each answered by its own index, never an OR across them: an OR makes
PostgreSQL test every thread in turn (2 s on 100,000 threads, against 0.1 s).
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal

from chatkit_app.models import Item, Thread

CONFIG = "simple"  # the configuration of the indexes `item_text_search` and `thread_title_search` (0006)


def words(term: str) -> list[str]:
    """The search's words, a "quoted phrase" as one, as the admin splits them."""
    parts = []
    for part in smart_split(term):
        if part[0] in "\"'" and part[0] == part[-1] and len(part) > 1:
            part = unescape_string_literal(part)
        if part.strip():
            parts.append(part)
    return parts


def _saying(rows: QuerySet, field: str, term: str) -> QuerySet:
    """`rows` whose text `field` holds the words of `term`."""
    if connection.vendor == "postgresql":
        query = SearchQuery(term, config=CONFIG, search_type="websearch")
        return rows.alias(words=SearchVector(field, config=CONFIG)).filter(words=query)
    return rows.filter(*(Q(**{f"{field}__icontains": word}) for word in words(term)))


def messages_saying(term: str) -> QuerySet[Item]:
    """The user and assistant messages that contain the words of `term`."""
    return _saying(Item.objects.all(), "text", term)


def threads_matching(threads: QuerySet, term: str) -> QuerySet:
    """`threads` narrowed to those whose messages or title hold `term`'s words, or whose thread or user id is it.

    Each thread once, however many of its messages match: the matches are a subquery (`IN`), not a join.
    """
    term = term.strip()
    if not words(term):
        return threads
    ids = [
        Thread.objects.filter(thread_id=term),
        Thread.objects.filter(user_id=term),
        _saying(Thread.objects.all(), "title", term),
        messages_saying(term),
    ]
    first, *rest = (rows.order_by().values("thread_id") for rows in ids)
    return threads.filter(thread_id__in=first.union(*rest, all=True))
