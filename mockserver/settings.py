"""Run-time settings of one mock app: a frozen dataclass, built by the CLI or by tests."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

ClockMode = Literal["wall", "virtual"]
AuthMode = Literal["off", "lenient", "strict"]

# A fixed, documented start for the virtual clock, so two runs read the same times.
DEFAULT_VIRTUAL_START = datetime.fromisoformat("2026-01-05T10:00:00+08:00")


@dataclass(frozen=True)
class Settings:
    """Everything that shapes one app; nothing else is read from the environment."""

    host: str = "127.0.0.1"
    port: int = 8000
    clock: ClockMode = "virtual"
    speed: float = 1.0
    start: datetime = DEFAULT_VIRTUAL_START
    seed: int = 0
    fixture: str = "default"
    auth: AuthMode = "lenient"
    validate_responses: bool = False
    max_body_bytes: int = 1024 * 1024
    # PUT /__mock__/state only: a snapshot holds every task, so it gets a limit of its own.
    max_state_bytes: int = 256 * 1024 * 1024
    time_zone: str = "Asia/Shanghai"
    # Base of task_url, as bk-sops's APP_HOST; None derives it from host and port.
    app_host: str | None = None
    control: bool = True
    control_token: str | None = None
    journal_size: int = 1000
    # About how many bytes of requests the journal keeps (journal.py says how it counts).
    journal_bytes: int = 16 * 1024 * 1024
    state_file: str | None = None
    # Where the state lives (store/): memory, sqlite:///path/to/mock.db or redis://host:port/db.
    store: str = "memory"
    # bk-sops's view caches (answer_cache.py); off makes every read fresh.
    caches: bool = True
    # The door (door.py): Host names served besides loopback and `host`, and the one other
    # origin a browser may call the mock from (None: no CORS at all).
    allowed_hosts: tuple[str, ...] = ()
    cors_origin: str | None = None
    # Transport limits of the served mock (uvicorn; see mockserver/transport.py). An idle
    # keep-alive connection closes after `timeout_keep_alive` s; a request head (request line and
    # headers) must arrive whole within `timeout_header` s of the connection opening or of the
    # previous answer, and within `max_header_bytes`; over `limit_concurrency` open connections
    # or requests in flight, new requests answer 503.
    timeout_keep_alive: float = 5.0
    timeout_header: float = 10.0
    max_header_bytes: int = 64 * 1024
    limit_concurrency: int = 1000
    # Deliberate defects, used only by the contract suite's self-test.
    planted_faults: frozenset[str] = field(default_factory=frozenset)
    # Hosts callback_url webhooks may be sent to ("*": any); seconds each attempt may take.
    webhook_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
    webhook_timeout: float = 10.0
    # Seconds (min, max) a start waits in bk-sops's queue; None: the fixture's start_delay.
    start_delay: tuple[float, float] | None = None

    @property
    def task_url_base(self) -> str:
        if self.app_host is not None:
            return self.app_host.rstrip("/") + "/"
        return f"http://{self.host}:{self.port}/"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
