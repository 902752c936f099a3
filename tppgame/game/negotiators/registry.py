"""The registry of negotiators: every negotiator that can be chosen by name.

Built-in ones, those registered from Python with :func:`register`, and those third-party
packages declare in the ``tppgame.negotiators`` entry-point group (in their pyproject.toml:
``[project.entry-points."tppgame.negotiators"] my_name = "my_package.module:MyNegotiator"``).
Scenarios name negotiators only through this registry: a scenario file never names code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import metadata

from tppgame.game.negotiators.adaptive import Mirror
from tppgame.game.negotiators.base import Negotiator, NegotiatorError
from tppgame.game.negotiators.opponent_model import OpponentModel
from tppgame.game.negotiators.time_dependent import Boulware, Conceder, Linear, TimeDependent, TitForTat

ENTRY_POINT_GROUP = "tppgame.negotiators"
BUILT_IN: dict[str, type[Negotiator]] = {cls.name: cls for cls in (Boulware, Linear, Conceder, TitForTat, Mirror,
                                                                    OpponentModel)}
_REGISTERED: dict[str, type[Negotiator]] = dict(BUILT_IN)
_ENTRY_POINTS_READ = False
_BROKEN: dict[str, str] = {}      # entry points that failed to load: name -> why


def register(cls: type[Negotiator]) -> type[Negotiator]:
    """Register a negotiator class under its ``name`` (a class decorator), so scenarios and the
    command line can choose it by name."""
    if not (isinstance(cls, type) and issubclass(cls, Negotiator)) or not cls.name:
        raise TypeError(f"register: expected a Negotiator subclass with a name, got {cls!r}")
    known = registered().get(cls.name)
    if known is not None and known is not cls:
        raise ValueError(f"register: the name '{cls.name}' is taken by {known.__module__}.{known.__qualname__}")
    _REGISTERED[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    """Take a registered negotiator off the registry (the built-in ones stay)."""
    if name not in BUILT_IN:
        _REGISTERED.pop(name, None)


def registered() -> dict[str, type[Negotiator]]:
    """Every negotiator that can be chosen by name: the built-in ones, those registered from
    Python and those third-party packages declare in the ``tppgame.negotiators`` entry-point group."""
    global _ENTRY_POINTS_READ
    if not _ENTRY_POINTS_READ:
        _ENTRY_POINTS_READ = True
        for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
            if entry.name in _REGISTERED:
                continue
            try:
                cls = entry.load()
            except Exception as error:  # noqa: BLE001 - a third party's fault, reported when it is chosen
                _BROKEN[entry.name] = f"{entry.value} could not be loaded ({type(error).__name__}: {error})"
                continue
            if isinstance(cls, type) and issubclass(cls, Negotiator):
                _REGISTERED[entry.name] = cls
            else:
                _BROKEN[entry.name] = f"{entry.value} is not a tppgame Negotiator subclass"
    return _REGISTERED


def negotiator_names() -> tuple[str, ...]:
    """The registered names, built-in ones first."""
    return tuple(BUILT_IN) + tuple(sorted(set(registered()) - set(BUILT_IN)))


def takes_beta(name: str) -> bool:
    """Whether the negotiator of a registered name has a time-dependent pace (``beta``) to set."""
    cls = registered().get(name)
    return cls is not None and issubclass(cls, TimeDependent)


def make_negotiator(name: str, beta: float | None = None) -> Negotiator:
    """A new negotiator of a registered name; ``beta`` sets a time-dependent one's pace (None: its default)."""
    cls = registered().get(name)
    if cls is None:
        why = _BROKEN.get(name)
        if why:
            raise NegotiatorError(f"negotiator '{name}': {why}")
        raise NegotiatorError(f"negotiator '{name}': expected one of {', '.join(negotiator_names())}")
    if beta is None:
        return cls()
    if not issubclass(cls, TimeDependent):
        raise NegotiatorError(f"negotiator '{name}' takes no beta (only time-dependent ones do)")
    return cls(beta=beta)


def chosen_negotiators(chosen: Mapping[str, Negotiator | str], countries: Sequence[str]) -> dict[str, Negotiator]:
    """Negotiators chosen from Python for some countries, checked: known countries, and negotiator
    objects or registered names (made here)."""
    out: dict[str, Negotiator] = {}
    for code, negotiator in chosen.items():
        if code not in countries:
            raise ValueError(f"negotiators: expected countries among {', '.join(countries)}, got {code!r}")
        if isinstance(negotiator, str):
            negotiator = make_negotiator(negotiator)
        if not isinstance(negotiator, Negotiator):
            raise TypeError(f"negotiators[{code!r}]: expected a tppgame Negotiator or a registered name, "
                            f"got {type(negotiator).__name__}")
        out[code] = negotiator
    return out
