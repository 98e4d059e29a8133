"""The application context: the config, opened lazily, and the store built from it.

Commands ask for what they need; nothing is read at import time, and a secret
is read only by the command that talks to that server.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from store import SenderMap, Store, open_store
from tinbai.config import Config, PlanConfig, load_config

log = logging.getLogger(__name__)
_frozen: list[bool] = []


def _freeze_once() -> None:
    """Move what the process holds now (the config, its modules) out of the collector's reach.

    A federation's config is some 100,000 objects that live as long as the process; out of
    the collector's generations a full collection no longer walks them all while a report
    allocates its rows (a report at 2,500 units: 0.52 → 0.31 s). Once per process: a
    frozen object is never collected, so a process that opens many configs (the tests)
    freezes only the first.
    """
    if not _frozen:
        _frozen.append(True)
        gc.freeze()


@dataclass
class App:
    config_path: Path | None = None
    _config: Config | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
            for warning in self._config.warnings:
                log.warning("%s", warning)
            # A federation's config is some 100,000 objects that live as long as the process:
            # out of the collector's generations, a full collection no longer walks them all
            # while a report allocates its rows (a report at 2,500 units: 0.52 → 0.37 s).
            gc.freeze()
        return self._config

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.config.database_url)
        return self._store

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        """Today in the timezone of the plan that runs today, not the machine's."""
        now = self.now()
        roughly = now.astimezone(ZoneInfo(self.config.model.timezone)).date()
        return now.astimezone(self.config.plan_timezone(self.config.plan(on=roughly))).date()

    def plan(self, plan_id: str | None = None, on: date | None = None) -> PlanConfig:
        """The plan named, else the one that runs ``on`` (today by this app's clock)."""
        return self.config.plan(plan_id, on=on or self.today())

    def sender_map(self) -> SenderMap:
        seeds = [(p, uid) for uid, unit in self.config.model.units.items() for p in unit.senders]
        return SenderMap.build(self.store.senders(), seeds)

    def close(self) -> None:
        if self._store is not None:
            self._store.engine.dispose()
