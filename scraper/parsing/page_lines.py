"""A page as the lines a reader sees: each line's text and the element it belongs to.

A line is the text of one block (a paragraph, a list item, a cell of a layout table), or of
one data row of a table (its cells joined by " | "). Fields that markup cannot be trusted to
delimit, such as a date on a line of its own or a view count after the body, are found among
these lines.
"""

from dataclasses import dataclass

from bs4.element import NavigableString, PageElement, Tag

from scraper.parsing.text import (
    BLOCK_TAGS,
    NodeTexts,
    collapse_whitespace,
    is_data_row,
    tags_named,
)

LINE_BLOCKS = BLOCK_TAGS | {"td", "th", "caption"}


@dataclass(frozen=True)
class Line:
    text: str
    element: Tag  # the block (or table row) the line is the text of


def page_lines(root: Tag, texts: NodeTexts) -> list[Line]:
    """The lines of everything under root, in reading order."""
    lines: list[Line] = []
    buffer: list[str] = []
    owner: list[Tag] = [root]  # the block whose text the buffer holds

    def flush() -> None:
        text = collapse_whitespace("".join(buffer))
        if text:
            lines.append(Line(text, owner[-1]))
        buffer.clear()

    # A depth-first walk with its own stack; (None, block) marks the end of a block.
    stack: list[tuple[PageElement | None, Tag]] = [
        (child, root) for child in reversed(root.contents)
    ]
    while stack:
        node, block = stack.pop()
        if node is None:
            flush()
            owner[-1] = block
            continue
        if isinstance(node, NavigableString):
            if not buffer:
                owner[-1] = block
            buffer.append(str(node))
        elif not isinstance(node, Tag):
            continue
        elif node.name == "br":
            flush()
        elif node.name == "tr" and is_data_row(node):
            flush()
            cells = [texts.text(cell) for cell in tags_named(node, ("td", "th"))]
            row = " | ".join(cell for cell in cells if cell)
            if row:
                lines.append(Line(row, node))
        elif node.name in LINE_BLOCKS:
            flush()
            stack.append((None, block))
            stack.extend((child, node) for child in reversed(node.contents))
        else:
            stack.extend((child, block) for child in reversed(node.contents))
    flush()
    return lines
