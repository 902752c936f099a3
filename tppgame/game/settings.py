"""The settings a game plays under: Mesa's scenario object for a game, the utility weights a
scenario implies, and a scenario with a shock's changes applied.

The games of one scenario (a sweep point's replicates) share its weights and its shocked
versions: both are derived once, by the identity of the scenario object, and never written to.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from mesa.experimental.scenarios import Scenario as MesaScenario

from tppgame.game.political import political_weights
from tppgame.game.scenario import Scenario
from tppgame.game.utility import Weights, make_weights


class GameScenario(MesaScenario):
    """Mesa's scenario object for a game (``model.scenario``): the game's settings as it started,
    read-only while it runs, as Mesa's scenarios are. ``settings`` is the loaded
    :class:`tppgame.game.scenario.Scenario`; a shock changes the settings in force, which the
    model holds as ``model.config``."""

    def value(self, path: str) -> Any:
        """A setting by its dotted path as the game started, e.g. ``countries.JPN.sensitivity.rice``."""
        node: Any = self.settings.settings
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                raise KeyError(f"no setting '{path}' in scenario {self.settings.name!r}")
            node = node[key]
        return node


class _SameObject:
    """A cache key standing for one object by identity (a Scenario holds dicts, so it has no hash).

    Held by the cache, the key keeps its object alive, so the identity cannot be reused.
    """

    __slots__ = ("obj",)

    def __init__(self, obj: Any):
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SameObject) and other.obj is self.obj


# settings a payoff does not read: its weights come from elsewhere (the political_economy payoff values
# access from the economy's trade and tariffs, not the calibration's judged barrier and cost scale), so
# setting or sweeping them plays the same games. A pattern's "*" stands for one key (a country's code).
UNREAD_BY_PAYOFF: dict[str, tuple[str, ...]] = {
    "political_economy": ("bargaining.cost_scale", "bargaining.existing_agreement_discount", "countries.*.barrier"),
}


def unread_settings(payoff: str, paths: Sequence[str]) -> list[str]:
    """The ``paths`` (dotted settings, as ``--set`` names them; ``after:EVENT:PATH`` by its PATH) that the
    ``payoff`` does not read (:data:`UNREAD_BY_PAYOFF`), in the order given."""
    unread = UNREAD_BY_PAYOFF.get(payoff, ())

    def matches(path: str, pattern: str) -> bool:
        keys, wanted = path.split(":")[-1].split("."), pattern.split(".")
        return len(keys) >= len(wanted) and all(w in ("*", k) for w, k in zip(wanted, keys))

    return [path for path in paths if any(matches(path, pattern) for pattern in unread)]


def unread_words(payoff: str) -> str:
    """Why a setting :func:`unread_settings` names plays no part, in the words of every warning of it (a
    command's ``--set``, a sweep plan's)."""
    return f"the {payoff} payoff (bargaining.payoff) does not read it"


def weights_for(params: dict[str, Any]) -> Weights:
    """The utility weights of a scenario's figures, by its ``bargaining.payoff``: the calibration's
    judgments (:func:`tppgame.game.utility.make_weights`) or the Grossman-Helpman government's
    (:func:`tppgame.game.political.political_weights`)."""
    if params.get("payoff", "judgment") == "political_economy":
        return political_weights(params)
    return make_weights(params)


@lru_cache(maxsize=16)
def _weights_of(config: _SameObject) -> Weights:
    return weights_for(config.obj.params)


def weights_of(config: Scenario) -> Weights:
    """A scenario's utility weights, derived once: the games of a scenario share them."""
    return _weights_of(_SameObject(config))


@lru_cache(maxsize=16)
def _shocked(config: _SameObject, changes: tuple[tuple[str, Any], ...], origin: str) -> Scenario:
    return config.obj.with_overrides(dict(changes), origin=origin)


def shocked(config: Scenario, changes: dict[str, Any], label: str) -> Scenario:
    """The scenario with a shock's settings applied, validated once for all the games that meet the
    shock (a value that cannot be hashed, such as a list, is validated each time)."""
    origin = f"shock '{label}'"
    try:
        return _shocked(_SameObject(config), tuple(changes.items()), origin)
    except TypeError:
        return config.with_overrides(changes, origin=origin)
