"""HTML bodies: their links, and readable text for messages that have no plain part."""

from __future__ import annotations

import re
from html import unescape

from selectolax.lexbor import LexborHTMLParser, LexborNode

from inboxwatch.parse.model import MAX_HTML_CHARS, Link

__all__ = ["MAX_HTML_DEPTH", "extract_links", "html_to_text"]


# Anchors are found in one left-to-right pass that never looks back: a scanner jumps from
# one significant character to the next ("<a", "</a", ">" and quotes inside a tag), a
# quoted attribute value (a quote right after "=") is skipped whole (it may hold "<" or
# ">", at most _MAX_QUOTED characters), and an opening tag's attributes, at most _MAX_TAG_CHARS, are searched for
# href on their own. One regular expression for the whole anchor, text up to "</a>"
# included, rescanned to the end of the body from every "<a" never closed: 16 KB of
# "<a href=" took 24 s, 32 KB 141 s; this takes milliseconds for 800 KB.
_MAX_TAG_CHARS = 4000
_MAX_QUOTED = 2000
_A_START_RE = re.compile(r"<(/?)[aA](?=[\s/>])")
_IN_TAG_RE = re.compile(r"""[<>"']""")
_HREF_RE = re.compile(r"(?<![\w-])[hH][rR][eE][fF]\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))")
_TAG_RE = re.compile(r"<[^<>]{0,2000}>")  # a "<" ends the attempt: linear on "<<<<"
_COMMENT_RE = re.compile(r"<!--.{0,5000}?-->", re.S)  # on at most 5,000 characters
MAX_LINKS = 500


def _open_tag_end(html: str, at: int) -> int:
    """Where the ``<a`` tag starting at ``at`` ends (the index after its ">"), or -1 when it
    is not a tag (a "<" before the ">", a quote left open, longer than _MAX_TAG_CHARS)."""
    pos = at + 2
    limit = min(len(html), at + _MAX_TAG_CHARS)
    while True:
        found = _IN_TAG_RE.search(html, pos, limit)
        if found is None:
            return -1
        char = found.group()
        if char == ">":
            return found.end()
        if char == "<":
            return -1
        if html[max(at, found.start() - 20):found.start()].rstrip()[-1:] != "=":
            pos = found.end()  # a quote that starts no value is part of a name (HTML5)
            continue
        close = html.find(char, found.end(), min(len(html), found.end() + _MAX_QUOTED))
        if close < 0:
            return -1
        pos = close + 1


def extract_links(html: str) -> list[Link]:
    """Every ``<a href>`` with its visible text, for link-mismatch checks and the TUI.

    Tags, not a full HTML parse: this runs on every HTML message and only needs anchors;
    its time is linear in the body whatever the nesting or the junk (see above). An anchor
    left open runs to the next ``</a>``; anchors opened inside it are part of its text.
    """
    html = html[:MAX_HTML_CHARS]
    links: list[Link] = []
    href: str | None = None
    text_start = pos = 0
    while len(links) < MAX_LINKS:
        tag = _A_START_RE.search(html, pos)
        if tag is None:
            break
        if tag.group(1):  # </a
            pos = tag.end()
            if href is None:
                continue
            inner = html[text_start:tag.start()][:5000]
            if "<" in inner:  # tags and entities replaced only where there are any
                if "<!--" in inner:  # comments may hold "<" (Outlook's <!--[if mso]>)
                    inner = _COMMENT_RE.sub(" ", inner)
                inner = _TAG_RE.sub(" ", inner)
            text = " ".join((unescape(inner) if "&" in inner else inner).split())[:300]
            target = (unescape(href) if "&" in href else href).strip()
            href = None
            if target:
                links.append(Link(text=text, href=target[:2000]))
            continue
        end = _open_tag_end(html, tag.start())
        if end < 0:
            pos = tag.end()
            continue
        pos = end
        if href is None:
            found = _HREF_RE.search(html, tag.end(), end - 1)
            if found is not None:
                double, single, bare = found.groups()
                href = double if double is not None else single if single is not None \
                    else bare
                text_start = end
    return links


# How the HTML-to-text walk treats elements: skipped whole, a line break alone, or text
# written before and after their children (line breaks around blocks, a blank line around
# paragraphs, emphasis markers as Markdown writes them).
_SKIPPED_TAGS = frozenset({"head", "title", "script", "style", "noscript", "template",
                           "svg", "math", "object", "iframe", "img", "-comment"})
_BLOCK_TAGS = frozenset({
    "p", "div", "table", "tr", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "nav",
    "aside", "main", "address", "form", "fieldset", "center", "figure", "figcaption",
    "caption", "tbody", "thead", "tfoot", "body", "html"})
_PARAGRAPH_TAGS = frozenset({"p", "blockquote", "pre", "table"})
_PRE_NEWLINE = "\x00"  # a line break inside <pre>, kept through the white-space folding
# Where blocks meet: a line break, or a blank line around paragraphs. Adjacent boundaries
# merge (the end of one row and the start of the next are one line break, not two). Both
# start with \x01 so that the pattern finding them starts with a literal, which the regex
# engine searches for several times faster than a character class.
_LINE_BREAK, _BLANK_LINE = "\x01", "\x01\x02"
_BOUNDARIES_RE = re.compile(r"\x01(?:[ \t\x01\x02]*[\x01\x02])?")
_AROUND: dict[str, tuple[str, str]] = {
    **{tag: (_BLANK_LINE, _BLANK_LINE) if tag in _PARAGRAPH_TAGS else (_LINE_BREAK, _LINE_BREAK)
       for tag in _BLOCK_TAGS},
    "li": (_LINE_BREAK + "- ", ""), "td": ("  ", ""), "th": ("  ", ""),
    "b": ("**", "**"), "strong": ("**", "**"), "i": ("_", "_"), "em": ("_", "_"),
}
# Text nodes lose the walk's own marker characters. Running text has every white-space
# character (str.isspace: none above U+3000) turned into a space; html_to_text folds runs
# of spaces later, so this is what folding each text node's runs would give. In <pre>,
# line breaks are kept. The tables are lists indexed by code point, not dicts: a character
# a dict does not map costs str.translate a KeyError raised and cleared (in a list, it
# maps to itself; above the list, an IndexError, as rare as those characters).
_MARKERS = {ord(c): None for c in _PRE_NEWLINE + _LINE_BREAK + _BLANK_LINE}


def _translation(changes: dict[int, str | None], size: int) -> list[int | str | None]:
    table: list[int | str | None] = list(range(size))
    for code, replacement in changes.items():
        table[code] = replacement
    return table


_RUNNING_TEXT = _translation(
    {**{i: " " for i in range(0x3001) if chr(i).isspace()}, **_MARKERS}, 0x3001)
_PRE_TEXT = _translation({**_MARKERS, ord("\n"): _PRE_NEWLINE}, 0x80)
_SPACE_RUN_RE = re.compile("  +")
# Not \n{3,}: a pattern starting with a literal is searched many times faster.
_BLANK_LINES_RE = re.compile(r"\n\n\n+")


def html_to_text(html: str) -> str:
    """Readable text from HTML with link targets visible, e.g. ``[Pay now](<http://...>)``.

    Parsed by lexbor (a C HTML5 parser, through selectolax) and walked without recursion,
    so hostile nesting stays linear; paragraphs, rows and list items become lines, bold and
    italic Markdown-style markers, and images, scripts and styles disappear.
    """
    html = html[:MAX_HTML_CHARS]
    if _too_deep(html):
        return _strip_tags(html)
    try:
        tree = LexborHTMLParser(html)
    except Exception:  # noqa: BLE001 - fall back to tag stripping
        return _strip_tags(html)
    root = tree.body or tree.root
    if root is None:
        return ""
    out: list[str] = []
    had_pre = _emit_text(root, out)
    joined = _BOUNDARIES_RE.sub(
        lambda m: "\n\n" if "\x02" in m.group() else "\n", "".join(out))
    if had_pre or _PRE_NEWLINE in joined:  # (a link target can hold a NUL too)
        # Text in <pre> keeps white space of every kind: each line is folded on its own.
        lines = [" ".join(line.split()) for line in joined.split("\n")]
        text = "\n".join(lines).replace(_PRE_NEWLINE, "\n")
    else:
        # The only white space left is spaces and line breaks: the same folding (runs of
        # spaces made one, none at either end of a line) done on the whole text at once.
        # Spaces left at the ends of the text go with the strip below.
        text = _SPACE_RUN_RE.sub(" ", joined).replace(" \n", "\n").replace("\n ", "\n")
    return _BLANK_LINES_RE.sub("\n\n", text).strip()


# HTML5 tree building checks the stack of open elements at every tag, so its cost grows
# with the square of the nesting depth (lexbor: 10,000 levels 0.2 s, 40,000 levels 6 s).
# Browsers cap the depth; mail that nests deeper than any real layout is read as plain text.
MAX_HTML_DEPTH = 2_000
_DEPTH_CHECK_TAGS = 4 * MAX_HTML_DEPTH  # fewer tags than this cannot be dangerously deep
_TAG_TOKEN_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,20})[^<>]{0,2000}?(/?)>")
_VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                        "meta", "source", "track", "wbr"})


def _too_deep(html: str) -> bool:
    """Whether tags nest deeper than :data:`MAX_HTML_DEPTH` (counted on the raw tags, in one
    linear pass, and only for HTML with enough tags to matter)."""
    if html.count("<") < _DEPTH_CHECK_TAGS:
        return False
    depth = 0
    for match in _TAG_TOKEN_RE.finditer(html):
        closing, name, self_closing = match.groups()
        if closing:
            depth = max(0, depth - 1)
        elif not self_closing and name.lower() not in _VOID_TAGS:
            depth += 1
            if depth > MAX_HTML_DEPTH:
                return True
    return False


def _strip_tags(html: str) -> str:
    return " ".join(unescape(_TAG_RE.sub(" ", html)).split())


# What the walk does at a node (see _node_action): an element written around, a <pre>, one
# with nothing of its own, a <br>, an <a>, or a node skipped with everything inside it.
_WRAP, _PRE, _PLAIN, _BR, _ANCHOR, _SKIP = range(6)
_Action = tuple[int, str, str]  # (what, written before the children, written after them)
# lexbor's id of text nodes. The actions are remembered by tag id for the tags lexbor
# knows, which have small fixed ids; any other tag name's id is the address of its entry
# in one document's tag table (never within the first 64 KiB, which are never mapped).
_TEXT_TAG_ID = LexborHTMLParser("x").body.first_child.tag_id  # type: ignore[union-attr]
_FIXED_TAG_IDS = 0x10000
_ACTIONS: dict[int, _Action] = {}


def _node_action(tag: str | None) -> _Action:
    """What the walk does at a node that is not text, by its tag name."""
    if tag is None:
        return _SKIP, "", ""
    around = _AROUND.get(tag)
    if around is not None:
        return (_PRE if tag == "pre" else _WRAP), *around
    if tag in _SKIPPED_TAGS or tag.startswith("-"):
        return _SKIP, "", ""
    if tag == "br":
        return _BR, "\n", ""
    return (_ANCHOR if tag == "a" else _PLAIN), "", ""


def _emit_text(root: LexborNode, out: list[str]) -> bool:
    """Write the text of ``root``'s subtree to ``out``; return whether it has a <pre>.

    One lexbor traversal of the whole subtree (a generator per element cost three times
    as much). What an element writes after its children is written when the walk reaches
    the node that follows its subtree, known by its ``mem_id``; elements with nothing to
    write then (most of them) are not followed at all, and a skipped element is followed
    to know where skipping ends.
    """
    write = out.append
    actions = _ACTIONS
    text_id = _TEXT_TAG_ID
    root_id = root.mem_id
    # The elements being walked that write something after their children, innermost
    # last: the mem_id of the node that follows the element's subtree (0: none, the walk
    # ends first), what to write there, and whether the element is a <pre>.
    open_elements: list[tuple[int, str, bool]] = []
    end = 0  # where the innermost of them ends
    skipping = False
    in_pre = 0
    had_pre = False
    for node in root.traverse(include_text=True):
        if end and node.mem_id == end:
            skipping = False  # (a skipped element is one of those ending here)
            node_id = end
            while end == node_id:
                _, closing, is_pre = open_elements.pop()
                write(closing)
                in_pre -= is_pre
                end = open_elements[-1][0] if open_elements else 0
        if skipping:
            continue
        tag_id = node.tag_id
        if tag_id == text_id:
            text = node.text_content or ""
            if in_pre:
                write(text.translate(_PRE_TEXT))
            else:  # white space alone (most text nodes) folds to one space anyway
                write(" " if text.isspace() else text.translate(_RUNNING_TEXT))
            continue
        action = actions.get(tag_id)
        if action is None:
            action = _node_action(node.tag)
            if tag_id < _FIXED_TAG_IDS:
                actions[tag_id] = action
        what, opening, closing = action
        if what == _PLAIN:
            continue
        if what == _WRAP:
            write(opening)
            if not closing:
                continue
        elif what == _BR:
            write(opening)
            continue
        elif what == _ANCHOR:
            href = " ".join((node.attributes.get("href") or "").split())
            if not href or href.startswith("#"):
                continue
            write("[")
            href = href[:2000]
            if "\x02" in href:  # (a character reference) alone, it was the blank line marker
                href = href.replace("\x02", _BLANK_LINE)
            closing = f"](<{href}>)"
        elif what == _SKIP:
            if node.first_child is None:  # nothing inside to skip
                continue
            skipping = True
        else:  # <pre>
            write(opening)
            in_pre += 1
            had_pre = True
        end = _subtree_end(node, root_id)
        open_elements.append((end, closing, what == _PRE))
    while open_elements:  # the elements the walk ends inside
        _, closing, _ = open_elements.pop()
        write(closing)
    return had_pre


def _subtree_end(node: LexborNode, root_id: int) -> int:
    """The mem_id of the node a traversal of ``root_id``'s subtree meets after ``node``'s
    subtree, or 0 when there is none."""
    current: LexborNode | None = node
    while current is not None and current.mem_id != root_id:
        following = current.next
        if following is not None:
            return following.mem_id
        current = current.parent
    return 0
