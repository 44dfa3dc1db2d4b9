import pytest

from monitor.core.table import TableName, parse_table_name


def test_plain_name() -> None:
    table = parse_table_name("matches")
    assert table == TableName(schema=None, name="matches")
    assert str(table) == "matches"


def test_schema_qualified_name() -> None:
    table = parse_table_name("public.matches")
    assert table == TableName(schema="public", name="matches")
    assert str(table) == "public.matches"


@pytest.mark.parametrize("text", ["_matches", "Matches2", "a", "x" * 63, " matches "])
def test_identifiers_accepted(text: str) -> None:
    assert parse_table_name(text).name == text.strip()


def test_longest_allowed_parts_in_both_positions() -> None:
    table = parse_table_name(f"{'s' * 63}.{'t' * 63}")
    assert (table.schema, table.name) == ("s" * 63, "t" * 63)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "matches; DROP TABLE matches",
        "matches;--",
        "matches WHERE 1=1",
        "matches) UNION SELECT 1 --",
        "'matches'",
        '"matches"',
        '"public"."matches"',
        "match'es",
        "my table",
        "my\ttable",
        "public . matches",
        "a.b.c",
        ".matches",
        "matches.",
        "public.",
        ".",
        "..",
        "1matches",
        "public.1matches",
        "mätches",
        "matches\x00",
        "matches\n; DROP TABLE x",
        "x" * 64,
        "public." + "x" * 64,
        "s" * 64 + ".matches",
    ],
)
def test_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a table name"):
        parse_table_name(text)
