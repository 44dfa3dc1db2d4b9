"""Where the stack's database is, parsed from its URL without ever repeating the password."""

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from pydantic import SecretStr


@dataclass(frozen=True)
class DatabaseTarget:
    host: str
    port: int
    dbname: str
    user: str
    password: SecretStr

    def redacted(self) -> str:
        return f"postgresql://{self.user}:***@{self.host}:{self.port}/{self.dbname}"


def parse_database_url(url: str, password: SecretStr | None) -> DatabaseTarget:
    """Host, port, database and user of a postgresql:// URL; ``password`` overrides its own.

    Messages never include the URL: it carries the password.
    """
    try:
        parts = urlsplit(url)
        port = 5432 if parts.port is None else parts.port
    except ValueError:
        raise ValueError("is not a URL like postgresql://user:password@host:5432/dbname") from None
    if not 0 < port < 65536:
        raise ValueError(f"port must be 1 to 65535, got {port}")
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"scheme must be postgresql://, got {parts.scheme or 'none'}")
    if not parts.hostname:
        raise ValueError("has no host (postgresql://user:password@HOST:5432/dbname)")
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise ValueError("has no database name (postgresql://user:password@host:5432/DBNAME)")
    if not parts.username:
        raise ValueError("has no user name (postgresql://USER:password@host:5432/dbname)")
    secret = password or SecretStr(unquote(parts.password or ""))
    return DatabaseTarget(parts.hostname, port, dbname, unquote(parts.username), secret)
