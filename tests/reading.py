"""Reading what a pilot left in its logs folder: the report, its tables and the journal."""

from pathlib import Path

from markdown_it import MarkdownIt

from monitor.adapters.journal import iter_journal
from monitor.core.records import Record


def only(paths: list[Path]) -> Path:
    assert len(paths) == 1, paths
    return paths[0]


def report_path(logs: Path) -> Path:
    return only(sorted(logs.glob("pilot_run_report_*.md")))


def report_text(logs: Path) -> str:
    return report_path(logs).read_text()


def journal(logs: Path) -> list[Record]:
    return list(iter_journal(only(sorted(logs.glob("pilot_journal_*.jsonl")))))


def headings(markdown: str) -> list[str]:
    return [line[3:] for line in markdown.splitlines() if line.startswith("## ")]


def tables(markdown: str) -> dict[str, list[list[str]]]:
    """Each h2 section's first table, as rows of cell texts (header row excluded)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    found: dict[str, list[list[str]]] = {}
    section = ""
    row: list[str] | None = None
    in_body = False
    for index, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h2":
            section = tokens[index + 1].content
        elif tok.type == "tbody_open":
            in_body = True
            found.setdefault(section, [])
        elif tok.type == "tbody_close":
            in_body = False
        elif in_body and tok.type == "tr_open":
            row = []
        elif in_body and tok.type == "inline" and row is not None:
            row.append(tok.content)
        elif in_body and tok.type == "tr_close" and row is not None:
            found[section].append(row)
            row = None
    return found
