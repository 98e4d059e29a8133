"""Options and helpers shared by the command modules."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from tinbai.app import App

pass_app = click.make_pass_decorator(App)


class IsoDate(click.ParamType):  # type: ignore[type-arg]  # generic only in click's stubs
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date like 2020-05-15", param, ctx)


ISO_DATE = IsoDate()

as_of_option = click.option(
    "--as-of", "as_of", type=ISO_DATE, help="Count up to this day (default: today)."
)
plan_option = click.option(
    "--plan", "plan_id", metavar="ID", help="The plan (default: the one holding the date)."
)
