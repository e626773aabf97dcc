"""HTML to a BeautifulSoup tree, built the way browsers build it (WHATWG HTML).

lexbor (through selectolax) parses; a small BeautifulSoup tree builder replays
its tree as start tag, text and end tag events, as bs4's own builders do. Why
not one of those: lxml's (libxml2, an HTML 4 parser) nests whatever follows an
element HTML 4 does not know as empty (``<embed>``, ``<source>``, ``<track>``,
``<wbr>``) inside that element; ``html.parser`` knows the empty elements but
not the optional end tags (``<li>a<li>b`` nests the second item in the
first); html5lib's builder is right but quadratic where text joins text, as
in highlighted source listings. lexbor is in C, and linear but for one case:
HTML's scope rules make each start tag cost up to the depth of the open
elements, so a page nested tens of thousands deep costs seconds (in every
conforming parser) before it fails as nested too deeply; the engine's page
budget bounds that.

What the tree holds: elements with their attributes, and text, with character
references decoded. Comments, the doctype and ``<template>`` contents (a
separate fragment in HTML) are left out, and so is a formatting element
(FORMATTING) inside an open one of the same name or the same Markdown mark
(SAME_MARK): ``<b>`` in ``<b>`` is no bolder, markdownify would write
``**a **b** c**`` (for ``<b>`` in ``<strong>``, "****b****"; for ``<em>`` in
``<i>``, "**i**", which is bold), and HTML re-opens misnested formatting
elements around every later run of text, so a few KB of ``<b id=1>…<b
id=200></div>`` then ``<div>x</div>``… would otherwise nest 200 deep a
thousand times over. Nothing is fetched, and no entity a document
declares is expanded (HTML has no DTDs).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bs4 import BeautifulSoup
from bs4.builder import HTMLTreeBuilder
from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

# The formatting elements of HTML's parsing algorithm (those it re-opens), and
# del, which Markdown marks as it marks s and strike.
FORMATTING = frozenset("a b big code del em font i nobr s small strike strong tt u".split())
# Elements one Markdown mark shows alike: nested in each other, they are one.
SAME_MARK = {"strong": "b", "em": "i", "strike": "s", "del": "s"}


def parse(text: str) -> BeautifulSoup:
    """The tree of ``text``, a whole HTML document (already decoded).

    Raises MemoryError when lexbor cannot allocate the tree.
    """
    return BeautifulSoup(text, builder=_LexborTreeBuilder())


class _LexborTreeBuilder(HTMLTreeBuilder):
    NAME = "lexbor"

    def feed(self, markup: Any) -> None:
        """Walk lexbor's tree depth first without recursion (documents nest deeply)."""
        soup = self.soup
        assert soup is not None and isinstance(markup, str)
        try:
            node: LexborNode | None = LexborHTMLParser(markup).root
        except SelectolaxError as exc:
            # HTML has no fatal syntax errors (every input makes a tree): lexbor fails
            # only when an allocation does, e.g. at the engine's memory cap.
            raise MemoryError("the HTML parser ran out of memory") from exc
        entered: list[tuple[str, str, bool]] = []  # (name, mark, replayed) of the open elements
        formatting: Counter[str] = Counter()  # open formatting elements, by name
        while node is not None:
            if node.is_text_node:
                soup.handle_data(node.text_content or "")
            elif node.is_element_node:
                name = str(node.tag)
                mark = SAME_MARK.get(name, name)
                replayed = not formatting[mark]
                if replayed:
                    attrs = {key: value or "" for key, value in node.attributes.items()}
                    soup.handle_starttag(name, None, None, attrs)
                if node.child is not None:
                    entered.append((name, mark, replayed))
                    if name in FORMATTING:
                        formatting[mark] += 1
                    node = node.child
                    continue
                if replayed:
                    soup.handle_endtag(name)
            # Next: the sibling, else the nearest open ancestor's sibling (closing each).
            # Past <html> come only the document's comments, which are skipped.
            while node.next is None and entered:
                parent = node.parent
                assert parent is not None
                node = parent
                name, mark, replayed = entered.pop()
                if name in FORMATTING:
                    formatting[mark] -= 1
                if replayed:
                    soup.handle_endtag(name)
            node = node.next
