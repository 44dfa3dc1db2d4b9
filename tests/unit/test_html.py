"""The report as an HTML page: its tables, the chart inline, untrusted text kept as text."""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from monitor.core import report
from monitor.core.analysis import PilotSummary, summarise
from monitor.core.chart import render_chart
from monitor.core.html import render_html
from monitor.core.joblog import digest

CHART = "pilot_chart_20231114_221320.svg"
LOG = [
    "INFO fetched 10 matches\n",
    "<script>alert('log')</script>\n",
    'ERROR <img src="http://example.invalid/x.png" onerror="alert(1)">\n',
]


class Elements(HTMLParser):
    """Every start tag, as a browser's parser meets it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(page)
    return parser.tags


def pilot(build) -> PilotSummary:
    return summarise(
        [
            build.start(baseline=100),
            *build.regular([130, None, 190]),
            build.event(
                150.0, "count_failed", "the table cannot be counted: <b>down</b> ![x](http://e/x)"
            ),
            build.end(180.0),
            build.sample(4, 181.0, 191, final=True, running=False),
        ]
    )


def markdown_of(build) -> str:
    return report.render(pilot(build), digest("logs/backfill_pilot.log", LOG), None, CHART)


def page_of(build) -> tuple[str, str]:
    svg = render_chart(pilot(build))
    return render_html(markdown_of(build), CHART, svg), svg


def test_a_whole_utf8_document_with_the_report_title(build) -> None:
    page, _ = page_of(build)
    assert page.startswith("<!DOCTYPE html>\n")
    assert '<meta charset="utf-8">' in page
    assert "<title>Pilot run report: matches</title>" in page
    assert page.rstrip().endswith("</html>")


def test_the_tables_are_html_tables(build) -> None:
    page, _ = page_of(build)
    tags = [tag for tag, _ in elements(page)]
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown_of(build))
    tables = [token for token in tokens if token.type == "table_open"]
    assert len(tables) >= 4  # executive summary, statistics, samples, log analysis...
    assert tags.count("table") == len(tables)
    assert "<th>Metric</th>" in page
    assert '<td style="text-align:right">190</td>' in page  # the Samples table's numbers


def test_the_chart_is_inline_in_place_of_its_link(build) -> None:
    page, svg = page_of(build)
    assert svg.strip() in page
    assert CHART not in page  # no link to the file: the page stands alone
    assert not [tag for tag, _ in elements(page) if tag == "img"]
    inline = re.search(r"<svg .*?</svg>", page, re.DOTALL)
    assert inline is not None
    ET.fromstring(inline.group(0))  # still well-formed XML once inline
    assert page.index("<svg") < page.index("<h2>Collection statistics</h2>")


def test_raw_html_in_the_log_and_events_stays_text(build) -> None:
    page, _ = page_of(build)
    tags = elements(page)
    assert "script" not in [tag for tag, _ in tags]
    assert "&lt;script&gt;alert('log')&lt;/script&gt;" in page
    assert "&lt;b&gt;down&lt;/b&gt;" in page
    # nothing is loaded from elsewhere: no element has a src, and the policy forbids it
    assert not [attrs for _, attrs in tags if "src" in attrs]
    assert "default-src 'none'" in page
    assert '<a href="http://e/x">x</a>' in page  # an image in untrusted text is only a link


def test_without_a_chart_the_page_has_no_svg(build) -> None:
    markdown = report.render(pilot(build), None)
    page = render_html(markdown)
    assert "<svg" not in page
    assert "<h2>Samples</h2>" in page
