"""The watched table's name, validated so it can only ever be an identifier, never SQL."""

import re
from dataclasses import dataclass

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


@dataclass(frozen=True)
class TableName:
    schema: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


def parse_table_name(text: str) -> TableName:
    """``matches`` or ``schema.matches``; anything else (quotes, spaces, SQL) is refused."""
    parts = text.strip().split(".")
    if len(parts) > 2 or not all(_IDENTIFIER.fullmatch(part) for part in parts):
        raise ValueError(
            f"{text!r} is not a table name (letters, digits and _, optionally schema.table)"
        )
    if len(parts) == 2:
        return TableName(schema=parts[0], name=parts[1])
    return TableName(schema=None, name=parts[0])
