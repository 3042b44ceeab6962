"""What every request of the server reaches: its settings and the state made at start (the
store, the group writer, the plan cache, token and login checks). Route modules take it with
`state_of(request)`; keeping it here, apart from app.py, keeps the route modules out of an
import cycle with the app that includes them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import orjson
from starlette.requests import Request

from .auth import RateLimiter, TokenChecker
from .plan import PlanCache
from .store import Store
from .writer import GroupWriter


@dataclass
class Settings:
    database_url: str
    data_dir: Path
    #: cookies marked Secure (set when serving HTTPS)
    secure_cookies: bool = False
    login_limit: int = 5
    login_window: float = 60.0
    #: the largest request body accepted, in bytes (an upload, a post; service/limits.py)
    max_upload: int = 2_000_000_000

    def to_json(self) -> str:
        return orjson.dumps({**asdict(self), "data_dir": str(self.data_dir)}).decode()

    @classmethod
    def from_json(cls, text: str) -> Settings:
        values = orjson.loads(text)
        return cls(**{**values, "data_dir": Path(values["data_dir"])})


@dataclass
class AppState:
    settings: Settings
    store: Store
    writer: GroupWriter
    plans: PlanCache = field(default_factory=PlanCache)
    tokens: TokenChecker = field(default_factory=TokenChecker)
    limiter: RateLimiter = field(default_factory=RateLimiter)


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.zooagg
    return state
