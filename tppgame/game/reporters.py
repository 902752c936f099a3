"""What the DataCollector records each round: plain functions of the model and of its country
agents, which the dashboard reads too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MODEL_REPORTERS: dict[str, str | Callable[[Any], Any]] = {
    "round": "round",
    "date": lambda m: m.date.isoformat(),
    "members": lambda m: int(m.members.sum()),
    "deals_closed": lambda m: len(m.deals),
    "open_pairs": lambda m: len(m.last_check.open_pairs),
    "accepting": lambda m: len(m.last_check.accepting),
    "holdouts": lambda m: " ".join(m.last_check.holdouts),
    "formed": lambda m: m.last_check.formed,
    "gdp_share": lambda m: round(m.last_check.gdp_share, 6),
    "in_force": lambda m: m.last_check.in_force,
}

AGENT_REPORTERS: dict[str, str] = {
    "country": "code",
    "member": "is_member",
    "utility": "utility",
    "outside_option": "outside_option",
    "accepts": "accepts_package",
}
