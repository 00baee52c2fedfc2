"""A write-up as Markdown and as a standalone HTML page.

Everything people typed is escaped: in HTML every character that means
something to a browser, in Markdown every character that could start
formatting, a link or raw HTML. A write-up can then be opened, forwarded or
pasted into a wiki without anyone's text turning into markup or script.
"""

from __future__ import annotations

import html
import re

from lessonstudy.domain.lesson_study.write_ups import WriteUpDocument

# Characters that carry meaning inline in CommonMark, and the raw-HTML and entity openers.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>#|~!&{}()])")
# Line openers that make a list item, a rule or a setext heading of a plain line.
_MD_LINE_START = re.compile(r"^(\s*\d*)([-+=.)])")

_SECTIONS = (
    ("What we learned", "learned"),
    ("Evidence", "evidence"),
    ("Recommendations", "recommendations"),
)


def md_escape(text: str) -> str:
    lines = []
    for line in text.splitlines():
        escaped = _MD_INLINE.sub(r"\\\1", line)
        lines.append(_MD_LINE_START.sub(r"\1\\\2", escaped))
    return "\n".join(lines)


def _status(doc: WriteUpDocument) -> str:
    if doc.published_at is None:
        return "Draft, not yet published"
    return f"Published {doc.published_at.date().isoformat()}"


def _people(doc: WriteUpDocument) -> str:
    people = ", ".join(doc.members)
    if doc.knowledgeable_other:
        people += f"; knowledgeable other: {doc.knowledgeable_other}"
    return people


def markdown(doc: WriteUpDocument) -> str:
    lines = [
        f"# Lesson study: {md_escape(doc.research_focus)}",
        "",
        f"- School: {md_escape(doc.school)}",
        f"- Focus class: {md_escape(doc.focus_class)}",
        f"- Academic year: {md_escape(doc.academic_year)}",
        f"- Study group: {md_escape(_people(doc))}",
        f"- Research lessons: {doc.cycles_closed} of {doc.planned_cycles} planned",
        f"- {_status(doc)}",
    ]
    for title, name in _SECTIONS:
        body = getattr(doc, name)
        lines += ["", f"## {title}", "", md_escape(body) if body else "_Not written yet._"]
    return "\n".join(lines) + "\n"


def _paragraphs(text: str) -> str:
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "\n".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in block.splitlines()) + "</p>"
        for block in blocks
    )


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1b1b1b}dt{font-weight:600}dd{margin:0 0 .5rem}"
    ".status{color:#555}"
)


def html_page(doc: WriteUpDocument) -> str:
    title = html.escape(f"Lesson study: {doc.research_focus}")
    facts = [
        ("School", doc.school),
        ("Focus class", doc.focus_class),
        ("Academic year", doc.academic_year),
        ("Study group", _people(doc)),
        ("Research lessons", f"{doc.cycles_closed} of {doc.planned_cycles} planned"),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<article>",
        f"<h1>{title}</h1>",
        f'<p class="status">{html.escape(_status(doc))}</p>',
        "<dl>",
        *(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts),
        "</dl>",
    ]
    for section, name in _SECTIONS:
        body = getattr(doc, name)
        parts.append(f"<h2>{html.escape(section)}</h2>")
        parts.append(_paragraphs(body) if body else "<p><em>Not written yet.</em></p>")
    parts += ["</article>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"
