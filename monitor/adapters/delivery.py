"""HTTP requests sent from a thread of their own: bounded, retried, never in the pilot's way.

A receiver that is down, slow or refusing costs the pilot nothing: requests wait in a short
queue, each try has a timeout, failures are retried with a back-off, and what could not be
delivered is said in one console line. The URL is never shown: webhook and ping URLs carry
their tokens in the path, so only the setting's name and the kind of failure are.
"""

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from pydantic import SecretStr

TRIES = 3
MAX_PENDING = 100
_BACKOFF_S = (1.0, 2.0, 4.0)


@dataclass(frozen=True)
class Request:
    what: str  # for the console: "the 'started' notice"
    suffix: str  # appended to the URL ("/start", "/fail", or "")
    body: bytes
    content_type: str


class Delivery:
    def __init__(
        self, setting: str, url: SecretStr, timeout_s: float, say: Callable[[str], None]
    ) -> None:
        self.setting = setting
        self._url = url
        self._timeout_s = timeout_s
        self._say = say
        self._queue: queue.Queue[Request | None] = queue.Queue(MAX_PENDING)
        self._closing = threading.Event()
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name=setting, daemon=True)
        self._thread.start()
        self.delivered = 0

    def send(self, request: Request) -> None:
        """Queues the request; never waits (a full queue drops it, and says so)."""
        try:
            self._queue.put_nowait(request)
        except queue.Full:
            self._say(f"[monitor] {self.setting}: {request.what} was dropped (too many pending)")

    def close(self, timeout_s: float) -> None:
        """Delivers what is queued within ``timeout_s`` (retries are cut short), then stops."""
        self._closing.set()
        try:
            self._queue.put(None, timeout=timeout_s)
        except queue.Full:
            return
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while True:
            request = self._queue.get()
            if request is None:
                return
            problem = self._deliver(request)
            if problem is None:
                self.delivered += 1
            else:
                self._say(
                    f"[monitor] {self.setting}: {request.what} could not be delivered ({problem});"
                    " the pilot goes on"
                )

    def _deliver(self, request: Request) -> str | None:
        """None once delivered, else why not (a status code or an error's kind, no URL)."""
        problem = "not tried"
        for attempt in range(TRIES):
            try:
                response = self._session.post(
                    self._url.get_secret_value() + request.suffix,
                    data=request.body,
                    headers={"Content-Type": request.content_type},
                    timeout=self._timeout_s,
                )
                response.close()
                if response.status_code < 300:
                    return None
                problem = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    return problem  # the receiver refuses it: trying again changes nothing
            except requests.RequestException as error:
                problem = type(error).__name__
            if attempt + 1 < TRIES and not self._closing.is_set():
                time.sleep(_BACKOFF_S[attempt])
        return f"{problem}, after {TRIES} tries" if not self._closing.is_set() else problem
