"""The catalogue of the report's words: every template the code says has its translation, with
the same placeholders, and no translation is left that no code says."""

import ast
import string
from pathlib import Path

import pytest

from monitor.core import activity, chart, joblog, report
from monitor.core.language import CHINESE, ENGLISH, LANGUAGES, words

PACKAGE = Path(__file__).resolve().parents[2] / "monitor"


def said_in_the_code() -> set[str]:
    """Every literal template passed to a ``say``, and the words the code says from its tables
    (the section titles, the comparison's figures, the activity's states, the chart's labels,
    the log's kinds of trouble)."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "say"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    found.update(report.SECTIONS)
    found.update(report.COMPARED_FIGURES.values())
    found.update(activity.STATES)
    found.update(label for _, label in chart.MARKS.values())
    found.update(chart.KIND_LABELS.values())
    found.update(chart.END_LABELS.values())
    found.update(chart.BAND_NAMES.values())
    found.update(kind for kind, _ in joblog._KINDS)
    found.update(("tracebacks", "other errors", "other warnings"))  # joblog's catch-alls
    return found


def placeholders(template: str) -> list[tuple[str, str, str | None]]:
    """The fields with their format specs and conversions, in no particular order."""
    return sorted(
        (name, spec or "", conversion)
        for _, name, spec, conversion in string.Formatter().parse(template)
        if name is not None
    )


TEMPLATES = sorted(said_in_the_code())


def test_the_code_says_templates_and_the_scan_finds_them() -> None:
    assert len(TEMPLATES) > 150
    assert "Pilot run report: {table}" in TEMPLATES
    assert "Executive summary" in TEMPLATES


def test_every_template_has_a_chinese_translation() -> None:
    missing = [template for template in TEMPLATES if template not in CHINESE.catalogue]
    assert missing == []


def test_every_chinese_translation_is_of_a_template_the_code_says() -> None:
    unused = sorted(set(CHINESE.catalogue) - set(TEMPLATES))
    assert unused == []


def test_english_is_the_templates_themselves() -> None:
    assert ENGLISH.catalogue == {}
    assert set(LANGUAGES) == {ENGLISH.language, CHINESE.language}
    assert (words("en"), words("zh")) == (ENGLISH, CHINESE)


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_translation_is_chinese_with_the_same_placeholders(template: str) -> None:
    translated = CHINESE.catalogue.get(template, "")
    assert translated.strip()
    assert placeholders(translated) == placeholders(template)
    # Spaces that join it to the text around it stay; words are Chinese, not left in English.
    assert _margins(translated) == _margins(template)
    if any(char.isalpha() for char in _literal(template)):
        assert any("\u4e00" <= char <= "\u9fff" for char in translated), translated


def _literal(template: str) -> str:
    return "".join(text for text, _, _, _ in string.Formatter().parse(template))


def _margins(text: str) -> tuple[bool, bool]:
    return text[:1].isspace(), text[-1:].isspace()
