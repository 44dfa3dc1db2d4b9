"""Whole pilots against a Docker Engine reached over TCP, plain and with mutual TLS.

A relay in the test stands in for a remote Engine: it listens on 127.0.0.1 and passes raw
bytes both ways to this machine's /var/run/docker.sock, so it also carries the hijacked exec
streams (HTTP 101) the job's output comes back on. With TLS it does what dockerd's
`--tlsverify` does: it presents a server certificate for 127.0.0.1 and refuses a client
without a certificate signed by its CA. The monitor reads `DOCKER_HOST`, `DOCKER_TLS_VERIFY`
and `DOCKER_CERT_PATH` (docker-py's `from_env`), as it would in its container.

The relay is Python's own `ssl` and `selectors`, one thread per connection, rather than
socat: no package to install, and it records what each handshake refused, so a test knows
*who* refused (the monitor the Engine's certificate, or the Engine the monitor's). A TLS
session is read and written by its one thread only (OpenSSL does not allow two at once),
and a refused handshake sends its alert to the client as dockerd would.
"""

import contextlib
import selectors
import shlex
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from monitor.core.records import PilotEnded
from tests.integration.harness import App, Database, monitor_env, run_monitor
from tests.reading import journal, report_text

ENGINE_SOCKET = "/var/run/docker.sock"
DOCKER_VARIABLES = ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT")
# requests lets these replace the CA docker-py gives it (DOCKER_CERT_PATH/ca.pem); the
# monitor's image sets neither, this machine's environment may.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
# Longest a relay thread waits for the rest of a TLS record, or for a side to take bytes.
IO_TIMEOUT_S = 5.0


class Relay:
    """A TCP endpoint on 127.0.0.1 that relays raw bytes to the Engine's unix socket."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.peers: list[dict[str, Any] | None] = []  # each relayed client's certificate
        self.refused: list[str] = []  # why each refused TLS handshake failed
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    @property
    def host(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop.set()
        self._acceptor.join(5)
        for thread in self._threads:
            thread.join(5)
        self._listener.close()
        assert not any(t.is_alive() for t in [self._acceptor, *self._threads]), "relay hangs"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._connection, args=(client,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _connection(self, client: socket.socket) -> None:
        with contextlib.ExitStack() as closing:
            closing.callback(client.close)
            client.settimeout(IO_TIMEOUT_S)
            if self.tls:
                try:
                    client = self.tls.wrap_socket(client, server_side=True)
                except OSError as error:  # ssl.SSLError too: the alert has gone out
                    self.refused.append(str(error))
                    return
                closing.callback(client.close)
            self.peers.append(client.getpeercert() if self.tls else None)
            engine = closing.enter_context(socket.socket(socket.AF_UNIX))
            engine.connect(ENGINE_SOCKET)
            engine.settimeout(IO_TIMEOUT_S)
            with contextlib.suppress(OSError):  # a side reset or gone: the connection ends
                _relay(client, engine, self._stop)


def _relay(one: socket.socket, two: socket.socket, stop: threading.Event) -> None:
    """Bytes both ways until both sides have ended (a TLS side cannot half-close: its end or
    the other's ends both) or the relay stops."""
    other = {one: two, two: one}
    reading = {one, two}
    with selectors.DefaultSelector() as selector:
        for side in reading:
            selector.register(side, selectors.EVENT_READ)
        while reading and not stop.is_set():
            for key, _ in selector.select(0.2):
                side = key.fileobj
                assert isinstance(side, socket.socket)
                try:
                    data = side.recv(65536)
                    # Bytes OpenSSL has decrypted already: select() cannot see them.
                    while isinstance(side, ssl.SSLSocket) and side.pending():
                        data += side.recv(side.pending())
                except TimeoutError:  # a TLS record not yet whole, or none for the application
                    continue
                if data:
                    other[side].sendall(data)
                    continue
                reading.discard(side)
                selector.unregister(side)
                if isinstance(side, ssl.SSLSocket) or isinstance(other[side], ssl.SSLSocket):
                    return
                other[side].shutdown(socket.SHUT_WR)


def _openssl(cwd: Path, command: str) -> None:
    subprocess.run(
        ["openssl", *shlex.split(command)],
        check=True,
        cwd=cwd,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )


def _ca(cwd: Path, name: str) -> None:
    """A self-signed CA: `name`.pem and `name`-key.pem."""
    _openssl(cwd, f"genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out {name}-key.pem")
    _openssl(
        cwd,
        f"req -x509 -new -key {name}-key.pem -out {name}.pem -days 2 -subj /CN={name}"
        " -addext basicConstraints=critical,CA:TRUE"
        " -addext keyUsage=critical,keyCertSign,cRLSign -addext subjectKeyIdentifier=hash",
    )


def _signed(cwd: Path, name: str, ca: str, common_name: str, *extensions: str) -> None:
    """`name`.pem and `name`-key.pem, signed by the CA `ca`, for a TLS server or client."""
    _openssl(cwd, f"genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out {name}-key.pem")
    _openssl(cwd, f"req -new -key {name}-key.pem -out {name}.csr -subj /CN={common_name}")
    leaf = [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "subjectKeyIdentifier=hash",
        "authorityKeyIdentifier=keyid",
        *extensions,
    ]
    (cwd / f"{name}.ext").write_text("\n".join(leaf) + "\n")
    _openssl(
        cwd,
        f"x509 -req -in {name}.csr -CA {ca}.pem -CAkey {ca}-key.pem -CAcreateserial -days 2"
        f" -out {name}.pem -extfile {name}.ext",
    )


@dataclass(frozen=True)
class Pki:
    """A throwaway CA with a server and a client certificate, and a rogue CA with a client."""

    root: Path

    def path(self, name: str) -> Path:
        return self.root / name

    def cert_dir(self, ca: str, client: str | None) -> Path:
        """A DOCKER_CERT_PATH: ca.pem, and cert.pem with key.pem when there is a client."""
        folder = self.root / "certs"
        folder.mkdir()
        (folder / "ca.pem").write_bytes(self.path(f"{ca}.pem").read_bytes())
        if client:
            (folder / "cert.pem").write_bytes(self.path(f"{client}.pem").read_bytes())
            (folder / "key.pem").write_bytes(self.path(f"{client}-key.pem").read_bytes())
        return folder


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    root = tmp_path / "pki"
    root.mkdir(mode=0o700)
    _ca(root, "ca")
    server = ("subjectAltName=IP:127.0.0.1,DNS:localhost", "extendedKeyUsage=serverAuth")
    _signed(root, "server", "ca", "127.0.0.1", *server)
    _signed(root, "client", "ca", "pilot-monitor", "extendedKeyUsage=clientAuth")
    _ca(root, "rogue")
    _signed(root, "rogue-client", "rogue", "pilot-monitor", "extendedKeyUsage=clientAuth")
    return Pki(root)


@pytest.fixture
def plain_relay() -> Iterator[Relay]:
    relay = Relay()
    yield relay
    relay.close()


@pytest.fixture
def tls_relay(pki: Pki) -> Iterator[Relay]:
    """Like dockerd --tlsverify: its own certificate, and a client certificate required."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.path("server.pem"), pki.path("server-key.pem"))
    context.load_verify_locations(pki.path("ca.pem"))
    context.verify_mode = ssl.CERT_REQUIRED
    relay = Relay(context)
    yield relay
    relay.close()


def remote_env(
    database: Database, app: App, logs: Path, host: str, cert_path: Path | None = None
) -> dict[str, str]:
    """The monitor's environment with the Engine at `host`, over TLS when `cert_path` is set."""
    env = monitor_env(database, app, logs)
    for name in (*DOCKER_VARIABLES, *CA_BUNDLE_VARIABLES):
        env.pop(name, None)
    env["DOCKER_HOST"] = host
    if cert_path:
        env["DOCKER_TLS_VERIFY"] = "1"
        env["DOCKER_CERT_PATH"] = str(cert_path)
    return env


def _pilot_through(relay: Relay, env: dict[str, str], app: App, logs: Path, cwd: Path) -> None:
    """A preflight and a whole pilot, every call to the Engine through the relay."""
    check = run_monitor(env, cwd, "check")
    print(check.stdout)
    assert check.returncode == 0, check.stdout + check.stderr
    engine = next(line for line in check.stdout.splitlines() if "docker engine" in line)
    assert f"{relay.host}: Engine " in engine, engine
    checked_through = len(relay.peers)
    assert checked_through > 0

    result = run_monitor(env, cwd, "run")
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(relay.peers) > checked_through, "the pilot did not go through the relay"
    assert app.job_processes() == []
    end = journal(logs)[-1]
    assert isinstance(end, PilotEnded)
    assert (end.reason, end.job_stopped_by, end.job_gone) == ("budget", "TERM", True)
    assert "PASSED" in report_text(logs)
    # The job's output came back on the hijacked exec stream, through the relay.
    job_log = (logs / "backfill_pilot.log").read_text()
    assert "backfill started" in job_log and "received SIGTERM" in job_log, job_log


def test_a_pilot_through_a_plain_tcp_engine(
    database: Database, app: App, plain_relay: Relay, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = remote_env(database, app, logs, plain_relay.host)
    _pilot_through(plain_relay, env, app, logs, tmp_path)
    assert plain_relay.peers and all(peer is None for peer in plain_relay.peers)


def test_a_pilot_through_an_engine_with_mutual_tls(
    database: Database, app: App, pki: Pki, tls_relay: Relay, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    certs = pki.cert_dir(ca="ca", client="client")
    env = remote_env(database, app, logs, tls_relay.host, certs)
    # A CA bundle for other HTTPS in the environment must not replace DOCKER_CERT_PATH's CA.
    env["REQUESTS_CA_BUNDLE"] = str(pki.path("rogue.pem"))
    _pilot_through(tls_relay, env, app, logs, tmp_path)
    # Every connection was TLS with the client's certificate, checked against the CA.
    assert tls_relay.refused == []
    subjects = {str(peer and peer["subject"]) for peer in tls_relay.peers}
    assert subjects == {str(((("commonName", "pilot-monitor"),),))}


def _refused_at_preflight(env: dict[str, str], app: App, logs: Path, cwd: Path, start: str) -> str:
    """The monitor's run refused with exit 2 and one line, nothing started: that line."""
    result = run_monitor(env, cwd, "run", timeout=60)
    print(result.stdout + result.stderr)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(start), lines[0]
    assert result.stderr == ""
    assert app.job_processes() == []
    assert not list(logs.glob("pilot_journal_*")), "a pilot was started"
    for secret in ("PRIVATE KEY", "BEGIN CERTIFICATE", "it-Sup3r-s3cret"):
        assert secret not in result.stdout
    return lines[0]


class Refusal(NamedTuple):
    ca: str | None  # the CA in DOCKER_CERT_PATH; None: no TLS settings at all
    client: str | None  # the client certificate and key in it
    start: str  # how the monitor's line starts ({host}: the Engine's address)
    in_line: str  # in the monitor's line
    engine_refused: str | None  # why the Engine's side refused the handshake; None: no try


@pytest.mark.parametrize(
    "case",
    [
        # DOCKER_CERT_PATH's ca.pem did not sign the Engine's certificate: the monitor refuses.
        pytest.param(
            Refusal(
                "rogue",
                "client",
                "DOCKER_CERT_PATH: TLS with {host} failed: ",
                "CERTIFICATE_VERIFY_FAILED",
                "UNKNOWN_CA",
            ),
            id="wrong-ca",
        ),
        # The client certificate is signed by a CA the Engine does not trust: the Engine
        # refuses it, and the monitor sees the connection end (an EOF or a reset).
        pytest.param(
            Refusal(
                "ca",
                "rogue-client",
                "DOCKER_CERT_PATH: TLS with {host} failed: ",
                "",
                "CERTIFICATE_VERIFY_FAILED",
            ),
            id="unknown-client-cert",
        ),
        # DOCKER_CERT_PATH holds ca.pem only: docker-py refuses before it connects.
        pytest.param(
            Refusal("ca", None, "DOCKER_CERT_PATH: no cert.pem and key.pem readable in ", "", None),
            id="no-client-cert",
        ),
        # DOCKER_TLS_VERIFY and DOCKER_CERT_PATH forgotten: plain HTTP to the TLS port.
        pytest.param(
            Refusal(None, None, "DOCKER_HOST: cannot reach {host}: ", "", "HTTP_REQUEST"),
            id="no-tls",
        ),
    ],
)
def test_a_tls_engine_and_the_wrong_certificates_is_one_line(
    database: Database, app: App, pki: Pki, tls_relay: Relay, tmp_path: Path, *, case: Refusal
) -> None:
    logs = tmp_path / "logs"
    certs = pki.cert_dir(case.ca, case.client) if case.ca else None
    env = remote_env(database, app, logs, tls_relay.host, certs)
    line = _refused_at_preflight(env, app, logs, tmp_path, case.start.format(host=tls_relay.host))
    print(f"the monitor: {line}\nthe Engine's side: {tls_relay.refused}")
    assert case.in_line in line
    assert tls_relay.peers == [], "a connection got through to the Engine"
    if case.engine_refused is None:
        assert tls_relay.refused == [], "docker-py should not have connected at all"
    else:
        assert tls_relay.refused, "the Engine's side saw no handshake"
        reasons = tls_relay.refused
        assert all(case.engine_refused in reason for reason in reasons), reasons


def test_an_unreachable_tcp_engine_is_one_line(
    database: Database, app: App, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    host = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    env = remote_env(database, app, logs, host)
    line = _refused_at_preflight(env, app, logs, tmp_path, f"DOCKER_HOST: cannot reach {host}: ")
    print(line)
    assert line.endswith("[Errno 111] Connection refused"), line
