"""The Markdown report as one HTML page for a browser: pure, self-contained, readable offline.

The page is rendered from the Markdown itself (markdown-it-py, CommonMark and tables), so it
says exactly what the report says. Raw HTML in the Markdown is escaped, never passed through:
the job log's tail and the database's error messages are untrusted text. The chart is
inlined in place of its image link; any other image becomes a plain link, and a Content
Security Policy forbids scripts and every external load, so opening the page fetches nothing.
"""

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from monitor.core.language import Language, Words, words

POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body { margin: 0; background: #f6f7f9; color: #1d1f23;
  font: 15px/1.5 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 32px 48px; background: #ffffff; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.3em; margin: 1.6em 0 0.5em; padding-bottom: 0.2em;
  border-bottom: 2px solid #d9dde3; }
table { border-collapse: collapse; margin: 0.6em 0 1em; display: block; overflow-x: auto;
  max-width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #d0d5dc; padding: 4px 9px; vertical-align: top; }
th { background: #eef1f5; text-align: left; }
tbody tr:nth-child(even) { background: #f8f9fb; }
code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 0.92em;
  background: #f1f3f6; padding: 0 3px; border-radius: 3px; }
pre { background: #f1f3f6; padding: 10px 12px; overflow-x: auto; border-radius: 4px; }
pre code { padding: 0; background: none; }
svg { display: block; max-width: 100%; height: auto; margin: 0.5em 0; }
""".strip()


def render_html(
    markdown: str,
    chart_name: str | None = None,
    chart_svg: str | None = None,
    language: Language = "en",
) -> str:
    """The whole page (UTF-8); ``chart_svg`` replaces the image whose link is ``chart_name``.
    ``language`` is the report's, for the page's ``lang`` (which picks the fonts)."""
    say = words(language)
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(markdown)
    chart_link = parser.normalizeLink(chart_name) if chart_name else None

    def image(self: Any, tokens: Sequence[Token], index: int, options: Any, env: Any) -> str:
        token = tokens[index]
        source = str(token.attrGet("src") or "")
        if chart_svg is not None and chart_link and source == chart_link:
            return chart_svg.strip()
        alt = self.renderInlineAsText(token.children, options, env)
        return f'<a href="{escapeHtml(source)}">{escapeHtml(alt or source)}</a>'

    parser.add_render_rule("image", image)
    body = parser.renderer.render(tokens, parser.options, {})
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{say.html_lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escapeHtml(_title(tokens, say))}</title>\n"
        f"<style>\n{STYLE}\n</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )


def _title(tokens: list[Token], say: Words) -> str:
    """The text of the first heading, code spans included: the report's own title."""
    for number, token in enumerate(tokens[:-1]):
        if token.type == "heading_open":
            children = tokens[number + 1].children or []
            return "".join(c.content for c in children if c.type in ("text", "code_inline"))
    return say("Pilot run report")
