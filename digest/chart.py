"""Draw a `WeekSeries` as a PNG: per kind, the cumulative count against the pace line.

matplotlib is imported here, on the first chart only, so that a poll or `tinbai --help`
never pays for it; its object API (no pyplot, no global figure state) draws with Agg, and a
lock keeps two web requests from drawing at once. matplotlib keeps a font cache in
``MPLCONFIGDIR`` (else ``~/.config/matplotlib``): a service whose home is read-only sets it
to a writable folder (README, the systemd unit).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from datetime import datetime, time, timedelta

from classify.message import KINDS
from digest.weeks import WeekSeries

_LOCK = threading.Lock()
_DRAWN: dict[
    tuple[object, ...], bytes
] = {}  # the last few charts: a digest resent, a page reloaded
_KEEP = 16
COLOURS = {"count": "#1d4ed8", "pace": "#9ca3af", "quota": "#15803d"}


def _midnight_after(day: object) -> datetime:
    return datetime.combine(day, time()) + timedelta(days=1)  # type: ignore[arg-type]


def render_chart(series: WeekSeries, t: Mapping[str, str], *, dpi: int = 110) -> bytes:
    """The PNG of ``series``: one panel per kind, stacked; ``t`` holds the words to show."""
    key = _key(series, t, dpi)
    with _LOCK:
        if key in _DRAWN:
            return _DRAWN[key]
    png = _draw(series, t, dpi)
    with _LOCK:
        if len(_DRAWN) >= _KEEP:
            _DRAWN.pop(next(iter(_DRAWN)))
        _DRAWN[key] = png
    return png


def _key(series: WeekSeries, t: Mapping[str, str], dpi: int) -> tuple[object, ...]:
    words = tuple(t[k] for k in (*KINDS, "chart_pace", "chart_count", "chart_no_quota"))
    weeks = tuple(
        (p.end, tuple(p.counts[k] for k in KINDS), tuple(p.pace[k] for k in KINDS))
        for p in series.weeks
    )
    return (series.start, series.end, tuple(series.target[k] for k in KINDS), weeks, words, dpi)


def _draw(series: WeekSeries, t: Mapping[str, str], dpi: int) -> bytes:
    from matplotlib.dates import DateFormatter, WeekdayLocator, date2num, num2date  # noqa: PLC0415 — slow import, only when drawing
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import FixedLocator  # noqa: PLC0415

    with _LOCK:
        figure = Figure(figsize=(6.4, 6.4), dpi=dpi, layout="constrained")
        axes = figure.subplots(len(KINDS), 1, sharex=True)
        start = datetime.combine(series.start, time())
        end = _midnight_after(series.end)
        xs = [start, *(_midnight_after(p.end) for p in series.weeks)]
        for ax, kind in zip(axes, KINDS, strict=True):
            target = series.target[kind]
            ys = [0, *(p.counts[kind] for p in series.weeks)]
            if target is not None:
                ax.plot(
                    [start, end],
                    [0, target],
                    color=COLOURS["pace"],
                    linestyle="--",
                    linewidth=1.5,
                    label=t["chart_pace"].format(quota=target),
                )
                ax.axhline(target, color=COLOURS["quota"], linewidth=0.8, alpha=0.6)
            ax.plot(
                xs,
                ys,
                color=COLOURS["count"],
                marker="o",
                markersize=3.5,
                linewidth=2,
                drawstyle="default",
                label=t["chart_count"],
            )
            title = t[kind] if target is not None else f"{t[kind]} ({t['chart_no_quota']})"
            ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
            ax.set_xlim(start, end)
            ax.set_ylim(0, max([*ys, target or 0, 1]) * 1.08)
            ax.grid(True, color="#e5e7eb", linewidth=0.6)
            ax.spines[["top", "right"]].set_visible(False)
            ax.tick_params(labelsize=8)
            ax.legend(loc="upper left", fontsize=8, frameon=False)
            ax.yaxis.get_major_locator().set_params(integer=True)
        # Every other Monday, found once from the view as the axis would hand it over: as a
        # locator, the rule is asked again by each shared axis at every layout pass (a
        # seventh of a draw); fixed, the same ticks and the PNG byte for byte the same.
        mondays = WeekdayLocator(byweekday=0, interval=2)  # type: ignore[no-untyped-call]
        view = num2date([date2num(start), date2num(end)])  # type: ignore[no-untyped-call]
        ticks = mondays.tick_values(*view)  # type: ignore[no-untyped-call]
        axes[-1].xaxis.set_major_locator(FixedLocator(ticks))
        axes[-1].xaxis.set_major_formatter(DateFormatter("%d/%m"))  # type: ignore[no-untyped-call]
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
