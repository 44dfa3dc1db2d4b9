"""How the watched table is counted each sample (PILOT_COUNT_STRATEGY)."""

from typing import Literal

# auto: keyset where the table allows it, else full; estimate is never chosen by itself,
# because its numbers are not exact.
Strategy = Literal["auto", "keyset", "full", "estimate"]
