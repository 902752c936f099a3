"""The design of a sweep: the varied settings' specs and the points they make.

SPEC is a TOML list ``[0.5, 1, 2]``, a range ``start:stop:count`` (inclusive, evenly spaced) or,
for sampled designs, ``uniform(a, b)``, ``normal(mu, sd)`` or ``choice(x, y, ...)``. A Morris design
moves each setting between the ends of its range, so it takes no ``normal`` (which has none).

A design is a full grid of listed values, a Latin hypercube, a Sobol/Saltelli sample of
distributions, or Morris trajectories for elementary-effects screening: a sampled design maps the
rows of a unit hypercube through each setting's distribution.
"""

from __future__ import annotations

import importlib
import json
import math
import re
import statistics
import tomllib
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tppgame.experiments.store import Column, kind_of
from tppgame.game.fields import first_repeat, iso_dates, parse_toml

DESIGNS = ("grid", "lhs", "sobol", "morris")
SAMPLED_DESIGNS = "lhs, sobol or morris"
MORRIS_LEVELS = 4         # the Morris grid: levels 0, 1/3, 2/3, 1; a step moves a setting by 2/3
DISTRIBUTIONS = ("uniform", "normal", "choice")
# The most runs a sweep plays (points x reps): ten million, weeks of games on a computer's cores. A range,
# design or sweep beyond it is refused before it is built: its points and bookkeeping would fill the memory
# before the first run (a hang, not an answer).
MOST_RUNS = 10_000_000
SPEC_HELP = "a list [a, b, ...], a range start:stop:count, or uniform(a, b), normal(mu, sd), choice(x, y, ...)"


class SweepError(ValueError):
    """Bad sweep input (a spec, a design, a sweep file, an out folder), reported in one line."""


# --------------------------------------------------------------------- specs
@dataclass(frozen=True)
class Values:
    """A setting swept over listed values (a list, or a range start:stop:count)."""

    path: str
    values: tuple[Any, ...]
    range_text: str = field(default="", compare=False)   # "start:stop:count" when written as a range

    def describe(self) -> dict[str, Any]:
        return {"values": list(self.values)}


@dataclass(frozen=True)
class Distribution:
    """A setting sampled from ``uniform(a, b)``, ``normal(mu, sd)`` or ``choice(x, y, ...)``."""

    path: str
    kind: str
    args: tuple[Any, ...]

    def describe(self) -> dict[str, Any]:
        return {self.kind: list(self.args)}


Vary = Values | Distribution

_DIST_RE = re.compile(r"^\s*([A-Za-z_]+)\s*\((.*)\)\s*$", re.S)


def _toml_value(text: str) -> Any:
    """A value written as TOML (``2.5``, ``true``, ``"nash"``, ``[1, 2]``); a bare word is a string."""
    try:
        return iso_dates(parse_toml(f"v = {text.strip()}")["v"])
    except tomllib.TOMLDecodeError:
        return text.strip()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def linspace_values(start: float, stop: float, count: int) -> tuple[Any, ...]:
    """``count`` evenly spaced values from start to stop inclusive; whole numbers stay whole
    when the step is whole (``1:4:4`` is 1, 2, 3, 4); floats are rounded to 12 significant digits."""
    if count == 1:
        return (start,)
    if isinstance(start, int) and isinstance(stop, int) and (stop - start) % (count - 1) == 0:
        step = (stop - start) // (count - 1)
        return tuple(start + k * step for k in range(count))
    return tuple(float(f"{v:.12g}") for v in np.linspace(start, stop, count))


def parse_spec(path: str, spec: Any, where: str) -> Vary:
    """One setting's SPEC — a list, ``start:stop:count``, or a distribution — as Values or a Distribution.

    ``where`` names the input in error messages (``--vary PATH=SPEC`` or ``FILE: vary.PATH``).
    """
    if isinstance(spec, list):
        if not spec:
            raise SweepError(f"{where}: expected at least one value, got an empty list")
        return Values(path, _each_once(tuple(iso_dates(spec)), where))
    if not isinstance(spec, str):
        raise SweepError(f"{where}: expected {SPEC_HELP}, got {spec!r}")
    text = spec.strip()
    if text.startswith("["):
        value = _toml_value(text)
        if not isinstance(value, list):
            raise SweepError(f"{where}: expected a TOML list such as [0.5, 1, 2], got {text}")
        return parse_spec(path, value, where)
    if match := _DIST_RE.match(text):
        return _parse_distribution(path, match.group(1), match.group(2), where)
    if text.count(":") == 2:
        return _parse_range(path, text, where)
    raise SweepError(f"{where}: expected {SPEC_HELP}, got {text or 'nothing'}")


def _parse_range(path: str, text: str, where: str) -> Values:
    start, stop, count = (_toml_value(part) for part in text.split(":"))
    if not (_is_number(start) and _is_number(stop)):
        raise SweepError(f"{where}: expected start:stop:count with numbers for start and stop, got {text}")
    if not isinstance(count, int) or isinstance(count, bool):
        raise SweepError(f"{where}: expected a whole number of values after the second colon, got {text}")
    if count < 1:
        raise SweepError(f"{where}: the range {text} is empty: expected a count of at least 1")
    if count > MOST_RUNS:
        raise SweepError(f"{where}: expected a count of at most {MOST_RUNS} values (a sweep's most runs), got {count}")
    return Values(path, _each_once(linspace_values(start, stop, count), where), text)


def _each_once(values: tuple[Any, ...], where: str) -> tuple[Any, ...]:
    """A grid's values, each once: a value listed twice (or a range from a number to itself) played its
    point twice over, weighting it double in every share, variance and index of the report."""
    repeat = first_repeat([json.dumps(value, sort_keys=True, default=str) for value in values])
    if repeat is not None:
        raise SweepError(f"{where}: expected each value once, got {values[repeat[1]]!r} twice")
    return values


def _parse_distribution(path: str, name: str, inner: str, where: str) -> Distribution:
    if name not in DISTRIBUTIONS:
        raise SweepError(f"{where}: expected a distribution uniform(a, b), normal(mu, sd) or choice(x, y, ...), "
                         f"got {name}(...)")
    args = _toml_value(f"[{inner}]")
    if not isinstance(args, list):       # bare words: choice(nash, alternating)
        args = [_toml_value(part) for part in inner.split(",") if part.strip()]
    if name == "choice":
        if not args:
            raise SweepError(f"{where}: expected at least one value in choice(...)")
        return Distribution(path, "choice", tuple(args))
    if len(args) != 2 or not all(_is_number(a) for a in args):
        names = "a, b" if name == "uniform" else "mu, sd"
        raise SweepError(f"{where}: expected {name}({names}) with two numbers, got {name}({inner.strip()})")
    a, b = (float(x) for x in args)
    if name == "uniform" and not a < b:
        raise SweepError(f"{where}: expected uniform(a, b) with a < b, got uniform({inner.strip()})")
    if name == "normal" and not b > 0:
        raise SweepError(f"{where}: expected normal(mu, sd) with sd > 0, got normal({inner.strip()})")
    return Distribution(path, name, (a, b))


def parse_vary(text: str) -> Vary:
    """``PATH=SPEC`` from the command line."""
    if "=" not in text:
        raise SweepError(f"--vary {text}: expected PATH=SPEC, for example countries.JPN.sensitivity.rice=[1, 2, 3]")
    path, spec = (part.strip() for part in text.split("=", 1))
    if not path:
        raise SweepError(f"--vary {text}: expected a setting path before =")
    return parse_spec(path, spec, f"--vary {path}={spec}")


# --------------------------------------------------------------------- designs
def from_unit(vary: Vary, u: float) -> Any:
    """The value of a setting at coordinate ``u`` in [0, 1) of a sampled design (its inverse CDF);
    listed values and ``choice`` are equally likely."""
    if isinstance(vary, Values) or vary.kind == "choice":
        options = vary.values if isinstance(vary, Values) else vary.args
        return options[min(int(u * len(options)), len(options) - 1)]
    a, b = vary.args
    if vary.kind == "uniform":
        return a + u * (b - a)
    return statistics.NormalDist(a, b).inv_cdf(min(max(u, 1e-12), 1 - 1e-12))


def lhs_unit(dims: int, samples: int, seed: np.random.SeedSequence) -> np.ndarray:
    """A Latin hypercube of ``samples`` points in [0, 1)^dims (scipy.stats.qmc)."""
    from scipy.stats import qmc

    return qmc.LatinHypercube(dims, rng=np.random.default_rng(seed)).random(samples)


def _salib_sample(design: str, dims: int, samples: int, seed: np.random.SeedSequence,
                  **options: Any) -> np.ndarray:
    """SALib's sampler for ``design`` (sobol, morris) over [0, 1]^dims, seeded from the design stream."""
    try:
        sampler = importlib.import_module(f"SALib.sample.{design}")
    except ImportError:
        raise SweepError(f"--design {design} needs SALib: pip install 'tppgame[sweep]'") from None
    problem = {"num_vars": dims, "names": [f"x{k}" for k in range(dims)], "bounds": [[0.0, 1.0]] * dims}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sampler.sample(problem, samples, seed=int(seed.generate_state(1)[0]), **options)


def sobol_unit(dims: int, samples: int, seed: np.random.SeedSequence) -> np.ndarray:
    """Saltelli's scheme for Sobol indices (SALib): ``samples * (2 dims + 2)`` points in [0, 1)^dims."""
    return _salib_sample("sobol", dims, samples, seed, calc_second_order=True)


def morris_unit(dims: int, samples: int, seed: np.random.SeedSequence) -> np.ndarray:
    """Morris' elementary-effects design (SALib, 4 levels): ``samples`` trajectories of ``dims + 1``
    points on the grid 0, 1/3, 2/3, 1 (ends included). Each trajectory starts at a random point and
    moves one setting at a time by 2/3, up or down, every setting once."""
    unit = _salib_sample("morris", dims, samples, seed, num_levels=MORRIS_LEVELS)
    steps = MORRIS_LEVELS - 1
    return np.rint(unit * steps) / steps          # exactly on the grid (SALib's sums leave 1/3 + 1e-16)


SAMPLERS: dict[str, Callable[[int, int, np.random.SeedSequence], np.ndarray]] = {
    "lhs": lhs_unit, "sobol": sobol_unit, "morris": morris_unit}


@dataclass(frozen=True, eq=False)
class Design:
    """The points of a sweep, in a fixed order: a grid (last setting fastest) or the rows of a
    sampled unit hypercube mapped through each setting's distribution."""

    kind: str
    vary: tuple[Vary, ...]
    samples: int | None = None
    unit: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        if self.unit is not None:
            return len(self.unit)
        return math.prod(len(v.values) for v in self.vary if isinstance(v, Values))

    def point(self, index: int) -> dict[str, Any]:
        """The settings of point ``index`` (dotted path -> value)."""
        if self.unit is not None:
            return {v.path: _plain(from_unit(v, float(u))) for v, u in zip(self.vary, self.unit[index])}
        if not self.vary:
            return {}
        coords = np.unravel_index(index, [len(v.values) for v in self.vary if isinstance(v, Values)])
        return {v.path: v.values[int(k)] for v, k in zip(self.vary, coords) if isinstance(v, Values)}

    def column_kinds(self) -> list[Column]:
        """A column of the runs table per varied setting, typed by the values it can take."""
        columns = []
        for v in self.vary:
            if isinstance(v, Values):
                kind = kind_of(v.values)
            else:
                kind = kind_of(v.args) if v.kind == "choice" else "float"
            columns.append(Column(v.path, kind))
        return columns


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def make_design(vary: Sequence[Vary], kind: str | None, samples: int | None,
                seed: np.random.SeedSequence) -> Design:
    """The design: a full grid by default when every setting is listed, else lhs, sobol or morris with
    ``samples`` (points, base samples or trajectories)."""
    distributions = [v.path for v in vary if isinstance(v, Distribution)]
    if kind is None:
        if distributions:
            raise SweepError(f"--vary {distributions[0]}: a distribution needs a sampled design: "
                             f"add --design {SAMPLED_DESIGNS} with --samples N")
        kind = "grid"
    if kind not in DESIGNS:
        raise SweepError(f"--design {kind}: expected one of {', '.join(DESIGNS)}")
    if kind == "grid":
        if distributions:
            raise SweepError(f"--vary {distributions[0]}: a grid needs listed values or a range, not a "
                             f"distribution (use --design {SAMPLED_DESIGNS})")
        if samples is not None:
            raise SweepError(f"--samples: only for --design {SAMPLED_DESIGNS} (a grid runs every combination)")
        grid = Design("grid", tuple(vary))
        if len(grid) > MOST_RUNS:
            raise SweepError(f"--vary: the grid's {' x '.join(str(len(v.values)) for v in grid.vary)} values are "
                             f"{len(grid)} points: expected at most {MOST_RUNS} (a sweep's most runs)")
        return grid
    if not vary:
        raise SweepError(f"--design {kind}: expected at least one --vary PATH=SPEC to sample")
    if samples is None:
        raise SweepError(f"--design {kind}: expected --samples N")
    least = 2 if kind == "morris" else 1
    if samples < least:
        why = " (Morris trajectories: sigma, the spread of the elementary effects, needs two)" * (least == 2)
        raise SweepError(f"--samples {samples}: expected a whole number of at least {least}{why}")
    if kind == "sobol" and samples & (samples - 1):
        raise SweepError(f"--samples {samples}: a Sobol design needs a power of 2 (such as 64, 128, 256)")
    normal = [v for v in vary if isinstance(v, Distribution) and v.kind == "normal"]
    if kind == "morris" and normal:
        raise SweepError(f"--vary {normal[0].path}: a Morris design moves each setting between the ends of its "
                         "range, and normal(mu, sd) has none: give uniform(a, b), a list or a range")
    points = samples * {"lhs": 1, "sobol": 2 * len(vary) + 2, "morris": len(vary) + 1}[kind]
    if points > MOST_RUNS:
        raise SweepError(f"--samples {samples}: a {kind} design of {points} points; expected at most {MOST_RUNS} "
                         "(a sweep's most runs)")
    unit = SAMPLERS[kind](len(vary), samples, seed)
    return Design(kind, tuple(vary), samples, np.asarray(unit, dtype=float))
