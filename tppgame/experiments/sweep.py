"""Parameter sweeps: many games of one scenario over a design of settings, with replicate seeds.

``python run.py sweep SCENARIO --vary PATH=SPEC ... --reps R --out DIR`` (or a sweep file) is
turned into a :class:`SweepPlan`: a design (a full grid of listed values, a Latin hypercube, a
Sobol/Saltelli sample of distributions, or Morris trajectories for elementary-effects screening)
whose every point is checked against the scenario before any run starts, times ``R`` replicates.
Run ``index = point * R + rep`` gets the seed :func:`run_seed` derives from the one sweep seed
with numpy's ``SeedSequence``, so a table never depends on the engine, the number of workers or
the order runs finish in.

Runs go out in chunks to an engine — in this process (one worker), a local process pool, or
Dask distributed — and come back as rows the :mod:`tppgame.experiments.store` commits as they arrive, so a
killed sweep resumes where it stopped when the same command is run again.

SPEC is a TOML list ``[0.5, 1, 2]``, a range ``start:stop:count`` (inclusive, evenly spaced) or,
for sampled designs, ``uniform(a, b)``, ``normal(mu, sd)`` or ``choice(x, y, ...)``. A Morris design
moves each setting between the ends of its range, so it takes no ``normal`` (which has none).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import multiprocessing
import os
import re
import signal
import statistics
import sys
import threading
import time
import tomllib
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np

from tppgame.experiments.headlines import play
from tppgame.experiments.memo import SharedWork
from tppgame.game.scenario import Scenario, ScenarioError, load_scenario
from tppgame.experiments.store import Column, ResultStore, StoreError, kind_of, table_columns

DESIGNS = ("grid", "lhs", "sobol", "morris")
SAMPLED_DESIGNS = "lhs, sobol or morris"
MORRIS_LEVELS = 4         # the Morris grid: levels 0, 1/3, 2/3, 1; a step moves a setting by 2/3
ENGINES = ("local", "dask")
DISTRIBUTIONS = ("uniform", "normal", "choice")
SWEEP_FILE_KEYS = ("scenario", "vary", "set", "design", "samples", "reps", "seed", "out")
# The sweep seed feeds two independent SeedSequence streams: the sampled design, and the runs.
DESIGN_STREAM, RUN_STREAM = 0, 1
MAX_CHUNK = 32            # runs per task at most (about 2 s of baseline games)
IN_FLIGHT_PER_WORKER = 2  # tasks handed out per worker at a time: one running, one queued
DASK_CONNECT_TIMEOUT = "10s"
SPEC_HELP = "a list [a, b, ...], a range start:stop:count, or uniform(a, b), normal(mu, sd), choice(x, y, ...)"


class SweepError(ValueError):
    """Bad sweep input (a spec, a design, a sweep file, an out folder), reported in one line."""


class EngineError(RuntimeError):
    """An engine failed while running (a worker process died, a Dask task was lost)."""


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
        return tomllib.loads(f"v = {text.strip()}")["v"]
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
        return Values(path, tuple(spec))
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
    return Values(path, linspace_values(start, stop, count), text)


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
        return Design("grid", tuple(vary))
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
    unit = SAMPLERS[kind](len(vary), samples, seed)
    return Design(kind, tuple(vary), samples, np.asarray(unit, dtype=float))


# --------------------------------------------------------------------- seeds
def run_seed(sweep_seed: int, index: int) -> int:
    """The seed of run ``index``: child ``index`` of the sweep seed's run stream, that is
    ``SeedSequence(sweep_seed).spawn(2)[1].spawn(n)[index]``, as a 63-bit integer."""
    child = np.random.SeedSequence(sweep_seed, spawn_key=(RUN_STREAM, index))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def design_seed(sweep_seed: int) -> np.random.SeedSequence:
    """The seed of a sampled design: the sweep seed's design stream."""
    return np.random.SeedSequence(sweep_seed, spawn_key=(DESIGN_STREAM,))


# --------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class SweepSpec:
    """A sweep as given on the command line or in a sweep file, before it is checked against the scenario."""

    scenario: str
    vary: tuple[Vary, ...] = ()
    fixed: tuple[tuple[str, Any], ...] = ()
    design: str | None = None
    samples: int | None = None
    reps: int = 1
    seed: int | None = None
    out: Path | None = None
    origin: str = "--vary"          # where the varied settings were written, for error messages
    # what else to store of each finished game, beyond its outcome (tools built on sweeps, such as
    # tournaments): a picklable callable, model -> {column: value}, with ``columns`` (store Columns)
    measure: Measure | None = None


class Measure(Protocol):
    """Extra columns of a sweep's runs table, measured on each finished game (in the worker)."""

    columns: tuple[Column, ...]

    def __call__(self, model: Any) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class RunSpec:
    """One run: its index, key (point, replicate), seed and the settings of its point."""

    index: int
    point: int
    rep: int
    seed: int
    overrides: tuple[tuple[str, Any], ...]
    measure: Measure | None = None


@dataclass(frozen=True, eq=False)
class SweepPlan:
    """A checked sweep: the scenario (with ``--set`` applied), its design, replicates and seed."""

    scenario: Scenario
    spec: SweepSpec
    design: Design
    reps: int
    seed: int
    points_digest: str

    @property
    def total(self) -> int:
        return len(self.design) * self.reps

    def run(self, index: int) -> RunSpec:
        """The run with this index (``point * reps + rep``)."""
        point, rep = divmod(index, self.reps)
        return RunSpec(index, point, rep, run_seed(self.seed, index), tuple(self.design.point(point).items()),
                       self.spec.measure)

    def columns(self) -> list[Column]:
        """The runs table's columns for this sweep."""
        measured = list(self.spec.measure.columns) if self.spec.measure is not None else []
        return table_columns(self.design.column_kinds(), self.scenario.countries) + measured

    def definition(self) -> dict[str, Any]:
        """What identifies the sweep (a store holding another definition is not resumed)."""
        measure = {} if self.spec.measure is None else {"measure": repr(self.spec.measure)}
        return {**measure,
            "scenario": self.scenario.name,
            "scenario_digest": _digest(self.scenario.settings),
            "set": {path: value for path, value in self.spec.fixed},
            "vary": {v.path: v.describe() for v in self.design.vary},
            "design": self.design.kind,
            "samples": self.design.samples,
            "reps": self.reps,
            "seed": self.seed,
            "points": len(self.design),
            "points_digest": self.points_digest,
        }

    def meta(self) -> dict[str, Any]:
        """What later reports need: countries, the design as a SALib problem, and a Morris design's trajectories."""
        from tppgame import __version__

        names = [v.path for v in self.design.vary]
        meta: dict[str, Any] = {
            "tppgame_version": __version__, "scenario_file": self.scenario.file,
            "countries": list(self.scenario.countries),
            "problem": {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names),
                        "second_order": self.design.kind == "sobol"}}
        if self.design.kind == "morris" and self.design.unit is not None:
            # the trajectories as grid levels (0 to 3), for the analysis of elementary effects
            steps = MORRIS_LEVELS - 1
            meta["morris"] = {"num_levels": MORRIS_LEVELS,
                              "levels": np.rint(self.design.unit * steps).astype(int).tolist()}
        return meta


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def build_plan(spec: SweepSpec) -> SweepPlan:
    """Load the scenario, build the design and check every point with ``Scenario.with_overrides``.

    Raises SweepError or ScenarioError (one line) before any run starts.
    """
    if spec.reps < 1:
        raise SweepError(f"--reps {spec.reps}: expected a whole number of at least 1")
    if spec.seed is not None and not 0 <= spec.seed < 2**63:
        raise SweepError(f"--seed {spec.seed}: expected a whole number from 0 to 2^63 - 1")
    paths = [v.path for v in spec.vary]
    for k, path in enumerate(paths):
        if path in paths[:k]:
            raise SweepError(f"--vary {path}: given twice")
        if path == "seed":
            raise SweepError("--vary seed: every run's seed comes from the sweep seed (--seed); vary a setting")
        if path in dict(spec.fixed):
            raise SweepError(f"--vary {path}: also given with --set; give it once")
    scenario = load_scenario(spec.scenario)
    if spec.fixed:
        scenario = scenario.with_overrides(dict(spec.fixed), origin="--set")
    seed = scenario.seed if spec.seed is None else spec.seed
    design = make_design(spec.vary, spec.design, spec.samples, design_seed(seed))
    try:
        table_columns(design.column_kinds(), scenario.countries)
    except StoreError as err:
        raise SweepError(f"--vary {err}") from None
    digest = hashlib.sha256()
    for k in range(len(design)):
        point = design.point(k)
        digest.update(json.dumps(point, sort_keys=True).encode())
        if point:
            _check_point(scenario, point, k, design, spec.origin)
    return SweepPlan(scenario, spec, design, spec.reps, seed, digest.hexdigest()[:16])


def _check_point(scenario: Scenario, point: Mapping[str, Any], index: int, design: Design, origin: str) -> None:
    try:
        scenario.with_overrides(point, origin=origin)
    except ScenarioError as err:
        if design.kind == "grid" and err.file == origin:
            ranges = [v for v in design.vary if v.path == err.path and isinstance(v, Values) and v.range_text]
            where = "".join(f" (the range {v.range_text} gives {', '.join(map(str, v.values))})" for v in ranges)
        else:
            where = f" (at sweep point {index}: {describe_point(point)})"
        raise SweepError(f"{err}{where}") from None
    except Exception as err:   # a value the schema let through but the scenario cannot use
        raise SweepError(f"{origin}: {describe_point(point)}: the scenario cannot use this point "
                         f"({type(err).__name__}: {err})") from None


def describe_point(point: Mapping[str, Any]) -> str:
    """``path=value, ...`` shortened to one readable line."""
    text = ", ".join(f"{path}={json.dumps(value)}" for path, value in point.items())
    return text if len(text) <= 200 else text[:197] + "..."


# --------------------------------------------------------------------- sweep files
def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested TOML table as dotted paths (``countries.JPN.sensitivity.rice``) to leaf values."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_flatten(value, path))
        else:
            out[path] = value
    return out


def is_sweep_file(target: str) -> bool:
    """Whether ``target`` is a sweep file (a TOML file with a ``scenario`` or ``vary`` key)."""
    path = Path(target)
    if path.suffix != ".toml" or not path.is_file():
        return False
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return False
    return "vary" in raw or "scenario" in raw


def load_sweep_file(path: Path) -> SweepSpec:
    """A sweep file: ``scenario``, a ``[vary]`` table of PATH = SPEC, and optionally ``[set]``,
    ``design``, ``samples``, ``reps``, ``seed`` and ``out`` (relative to the current folder).
    A relative scenario path is looked for beside the sweep file first."""
    file = str(path)
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise SweepError(f"{file}: cannot read the sweep file ({err.strerror or err})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise SweepError(f"{file}: expected valid TOML ({err})") from None
    for key in raw:
        if key not in SWEEP_FILE_KEYS:
            raise SweepError(f"{file}: {key}: expected a known key ({', '.join(SWEEP_FILE_KEYS)})")

    def get(key: str, check: Callable[[Any], bool], expected: str, default: Any = None) -> Any:
        if key not in raw:
            return default
        if not check(raw[key]):
            raise SweepError(f"{file}: {key}: expected {expected}, got {raw[key]!r}")
        return raw[key]

    def whole(lo: int) -> Callable[[Any], bool]:
        return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= lo

    scenario = get("scenario", lambda v: isinstance(v, str) and v != "", "a scenario name or file")
    if scenario is None:
        raise SweepError(f"{file}: scenario: expected a scenario name or file, such as scenario = \"baseline\"")
    beside = Path(path).parent / scenario
    if (scenario.endswith(".toml") or "/" in scenario) and beside.exists():
        scenario = str(beside)
    vary_table = get("vary", lambda v: isinstance(v, dict), "a table of \"setting.path\" = SPEC", {})
    set_table = get("set", lambda v: isinstance(v, dict), "a table of \"setting.path\" = value", {})
    vary = tuple(parse_spec(p, s, f"{file}: vary.{p}") for p, s in _flatten(vary_table).items())
    out = get("out", lambda v: isinstance(v, str) and v != "", "a folder name")
    return SweepSpec(
        scenario=scenario, vary=vary, fixed=tuple(_flatten(set_table).items()),
        design=get("design", lambda v: v in DESIGNS, "one of " + ", ".join(DESIGNS)),
        samples=get("samples", whole(1), "a whole number of at least 1"),
        reps=get("reps", whole(1), "a whole number of at least 1", 1),
        seed=get("seed", lambda v: whole(0)(v) and v < 2**63, "a whole number of at least 0"),
        out=Path(out) if out else None, origin=f"{file} (vary)")


def make_spec(target: str, vary: Sequence[str] = (), fixed: Sequence[tuple[str, Any]] = (),
              design: str | None = None, samples: int | None = None, reps: int | None = None,
              seed: int | None = None, out: Path | None = None) -> SweepSpec:
    """The sweep from the command line: a scenario with ``--vary`` specs, or a sweep file whose
    values the options given on the command line replace (``--vary`` per setting)."""
    base = load_sweep_file(Path(target)) if is_sweep_file(target) else SweepSpec(scenario=target)
    cli_vary = [parse_vary(text) for text in vary]
    merged_vary = {v.path: v for v in base.vary}
    merged_vary.update({v.path: v for v in cli_vary})
    merged_fixed = dict(base.fixed)
    merged_fixed.update(dict(fixed))
    if reps is not None and reps < 1:
        raise SweepError(f"--reps {reps}: expected a whole number of at least 1")
    return SweepSpec(
        scenario=base.scenario, vary=tuple(merged_vary.values()), fixed=tuple(merged_fixed.items()),
        design=design if design is not None else base.design,
        samples=samples if samples is not None else base.samples,
        reps=reps if reps is not None else base.reps,
        seed=seed if seed is not None else base.seed,
        out=out if out is not None else base.out,
        origin="--vary" if cli_vary and not base.vary else base.origin)


# --------------------------------------------------------------------- one run
def outcome(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The result columns of a finished game: formed, round, members, GDP share, in force, utilities."""
    members = list(summary["members"])
    row = {"formed": bool(summary["formed"]), "round": summary["round"], "members": " ".join(members) or None,
           "n_members": len(members), "gdp_share": float(summary["gdp_share"]),
           "in_force": bool(summary["in_force"])}
    row.update({f"utility_{code}": float(c["utility"]) for code, c in summary["countries"].items()})
    return row


# The point this worker plays now, by its number: (base scenario, the point's settings, compiled
# scenario, shared work). A point is the same only with the same base object (kept here, so that
# its id cannot pass to another scenario) and the same settings: another sweep of the same
# scenario numbers its points from 0 too. Only one is kept: chunks are handed out in the plan's
# order, so a worker seldom goes back to an earlier point (if it does, it only builds that memo
# again: the outcomes are the same), and a point with many replicates has a memo of a few hundred MB.
_POINTS: dict[int, tuple[Scenario, Any, Scenario, SharedWork]] = {}
_POINTS_LOCK = threading.Lock()


def forget_points() -> None:
    """Drop the compiled points and their memos (see :func:`prepared_point`) this process keeps."""
    with _POINTS_LOCK:
        _POINTS.clear()


def prepared_point(base: Scenario, spec: RunSpec) -> tuple[Scenario, SharedWork]:
    """A point's scenario, compiled once, and the memo its replicates share in this worker
    (kept while the worker plays that point: replicates of a point come together)."""
    with _POINTS_LOCK:
        known = _POINTS.get(spec.point)
        if known is not None and known[0] is base and known[1] == spec.overrides:
            return known[2], known[3]
    scenario = base.with_overrides(dict(spec.overrides)) if spec.overrides else base
    work = SharedWork()
    with _POINTS_LOCK:
        _POINTS.clear()
        _POINTS[spec.point] = (base, spec.overrides, scenario, work)
    return scenario, work


def run_chunk(base: Scenario, runs: Sequence[RunSpec]) -> list[dict[str, Any]]:
    """Play a chunk of runs; one row per run, a run that raises stored with its error instead of
    its outcome. The games keep no log or per-round table (only the outcome is stored), and the
    replicates of a point share work (:mod:`tppgame.experiments.memo`): the same outcomes, sooner."""
    rows = []
    for spec in runs:
        row: dict[str, Any] = {"run_index": spec.index, "point": spec.point, "rep": spec.rep, "seed": spec.seed,
                               "params": dict(spec.overrides), **dict(spec.overrides)}
        try:
            scenario, work = prepared_point(base, spec)
            model = play(scenario, spec.seed, shared=work, record=False)
            row.update(outcome(model.summary()), **(spec.measure(model) if spec.measure is not None else {}),
                       status="ok", error=None)
        except Exception as err:   # noqa: BLE001 - a failing run is recorded, and the sweep goes on
            row.update(status="failed", error=f"{type(err).__name__}: {err}".splitlines()[0][:500])
        rows.append(row)
    return rows


def chunks_of(plan: SweepPlan, skip: set[int], size: int) -> Iterator[list[RunSpec]]:
    """The runs not yet stored, in index order, ``size`` at a time (replicates of a point together)."""
    chunk: list[RunSpec] = []
    for index in range(plan.total):
        if index in skip:
            continue
        chunk.append(plan.run(index))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def auto_chunk(pending: int, workers: int) -> int:
    """Runs per task: about 16 tasks per worker, at most MAX_CHUNK runs each."""
    return max(1, min(MAX_CHUNK, math.ceil(pending / (16 * workers))))


# --------------------------------------------------------------------- engines
Batches = Iterator[list[dict[str, Any]]]


def _one_blas_thread() -> Any:
    """Limit BLAS to one thread (each worker is one core: no oversubscription), when threadpoolctl is there."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(limits=1)


_WORKER_BASE: Scenario | None = None


def _init_worker(base: Scenario, main_pid: int) -> None:
    """Process-pool worker set-up: the scenario once per worker, one BLAS thread, Ctrl-C left to the
    main process, and an end when the main process is gone (killed with -9, say)."""
    global _WORKER_BASE
    _WORKER_BASE = base
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _one_blas_thread()
    threading.Thread(target=_exit_without, args=(main_pid,), name="sweep-watchdog", daemon=True).start()


def _exit_without(main_pid: int, every: float = 0.5) -> None:
    """Poll the sweep's main process; end this worker at once when it no longer exists."""
    while True:
        time.sleep(every)
        try:
            os.kill(main_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass


def _run_chunk_in_worker(runs: list[RunSpec]) -> list[dict[str, Any]]:
    assert _WORKER_BASE is not None
    return run_chunk(_WORKER_BASE, runs)


def _pool_context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one (workers start from a server that has imported the game), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["tppgame.experiments.sweep"])
        return context
    return multiprocessing.get_context("spawn")


def local_engine(base: Scenario, chunks: Iterator[list[RunSpec]], workers: int) -> Batches:
    """Run chunks in this process (one worker) or a process pool; yield each chunk's rows as it finishes.

    The first batch is empty (the engine is ready). A new chunk is handed out only after the
    caller has taken (and stored) a finished one.
    """
    yield []
    if workers == 1:
        try:
            with _one_blas_thread():
                for chunk in chunks:
                    yield run_chunk(base, chunk)
        finally:
            forget_points()     # the memo goes with the sweep: this process (a notebook, say) goes on
        return
    pool = ProcessPoolExecutor(workers, mp_context=_pool_context(), initializer=_init_worker,
                               initargs=(base, os.getpid()))
    running: set[Future] = set()
    try:
        def hand_out() -> None:
            while len(running) < IN_FLIGHT_PER_WORKER * workers and (chunk := next(chunks, None)) is not None:
                running.add(pool.submit(_run_chunk_in_worker, chunk))

        hand_out()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                running.discard(future)
                try:
                    rows = future.result()
                except BrokenProcessPool:
                    raise EngineError("a worker process died; the runs finished so far are stored: "
                                      "run the same command again to resume") from None
                yield rows
            hand_out()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def dask_engine(base: Scenario, chunks: Iterator[list[RunSpec]], workers: int,
                scheduler: str | None = None) -> Batches:
    """Run chunks on Dask distributed: the cluster at ``scheduler``, or a LocalCluster of ``workers``
    processes on 127.0.0.1; the scenario is scattered to every worker once. The first batch is
    empty (connected, ready)."""
    try:
        import logging

        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise SweepError("--engine dask needs dask[distributed]: pip install 'tppgame[sweep]'") from None
    cluster = client = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as err:
                raise SweepError(f"--scheduler {scheduler}: could not connect ({err})") from None
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
        slots = IN_FLIGHT_PER_WORKER * max(len(client.scheduler_info().get("workers", {})), workers, 1)
        shared = client.scatter(base, broadcast=True)
        in_flight = as_completed()
        yield []

        def hand_out(count: int) -> None:
            for _ in range(count):
                chunk = next(chunks, None)
                if chunk is None:
                    return
                in_flight.add(client.submit(run_chunk, shared, chunk, pure=False))

        hand_out(slots)
        for future in in_flight:
            try:
                rows = future.result()
            except Exception as err:   # noqa: BLE001 - a lost worker, a cluster gone
                raise EngineError(f"a Dask task failed ({type(err).__name__}: {err}); the runs finished so far "
                                  "are stored: run the same command again to resume") from None
            future.release()
            yield rows
            hand_out(1)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------- progress
class Progress(Protocol):
    """Told how many runs finished (and how many of them failed) as batches are stored."""

    def update(self, done: int, failed: int = 0) -> None: ...

    def close(self) -> None: ...


def format_duration(seconds: float) -> str:
    """``42 s``, ``3 min 5 s``, ``2 h 10 min``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


class PlainProgress:
    """Progress as plain lines (for logs and pipes): every 10% of the runs or every 10 seconds."""

    def __init__(self, total: int, initial: int = 0, stream: IO[str] | None = None,
                 clock: Callable[[], float] = time.monotonic, every_seconds: float = 10.0,
                 every_share: float = 0.1):
        self.total, self.done, self.failed = total, initial, 0
        self._initial = initial
        self._stream = stream or sys.stderr
        self._clock = clock
        self._start = self._last = clock()
        self._printed_at: int | None = None
        self._every_seconds = every_seconds
        self._step = max(1, math.ceil(total * every_share))
        self._next = initial + self._step
        if initial:
            self._print(f"sweep: {initial}/{total} runs already stored; {total - initial} to go")

    def line(self) -> str:
        """The current progress, with rate and time left from the runs finished in this session."""
        elapsed = self._clock() - self._start
        ran = self.done - self._initial
        share = self.done / self.total if self.total else 1.0
        text = f"sweep: {self.done}/{self.total} runs ({share:.0%})"
        if self.failed:
            text += f", {self.failed} failed"
        if ran and elapsed > 0:
            rate = ran / elapsed
            text += f", {rate:.1f} runs/s"
            if self.done < self.total:
                text += f", about {format_duration((self.total - self.done) / rate)} left"
        return text

    def update(self, done: int, failed: int = 0) -> None:
        self.done += done
        self.failed += failed
        now = self._clock()
        if self.done >= self._next or now - self._last >= self._every_seconds:
            self._print(self.line())
            while self._next <= self.done:
                self._next += self._step

    def close(self) -> None:
        if self.done != self._printed_at and self.done != self._initial:
            self._print(self.line())

    def _print(self, text: str) -> None:
        self._last = self._clock()
        self._printed_at = self.done
        print(text, file=self._stream, flush=True)


class BarProgress:
    """A tqdm progress bar: runs done of total, rate and time left."""

    def __init__(self, total: int, initial: int = 0, stream: IO[str] | None = None):
        from tqdm import tqdm

        self.failed = 0
        self._bar = tqdm(total=total, initial=initial, unit="run", desc="sweep", file=stream or sys.stderr,
                         smoothing=0.05, dynamic_ncols=True)

    def update(self, done: int, failed: int = 0) -> None:
        if failed:
            self.failed += failed
            self._bar.set_postfix(failed=self.failed, refresh=False)
        self._bar.update(done)

    def close(self) -> None:
        self._bar.close()


def make_progress(total: int, initial: int = 0, stream: IO[str] | None = None) -> Progress:
    """A bar on a terminal, plain periodic lines otherwise."""
    stream = stream or sys.stderr
    is_terminal = getattr(stream, "isatty", lambda: False)()
    return BarProgress(total, initial, stream) if is_terminal else PlainProgress(total, initial, stream)


# --------------------------------------------------------------------- the sweep
@dataclass(frozen=True)
class SweepReport:
    """What a sweep did: runs in the store, how many ran now, failures and where the exports are."""

    out: Path
    total: int
    ran: int
    resumed: int
    ok: int
    failed: int
    formed: int
    failures: list[tuple[str, int]]
    csv: Path
    parquet: Path | None

    @property
    def formed_share(self) -> float:
        return self.formed / self.ok if self.ok else 0.0


def default_out(plan: SweepPlan) -> Path:
    """``out/sweep-SCENARIO`` when no --out is given."""
    return Path("out") / f"sweep-{Path(plan.scenario.file).stem}"


def run_sweep(plan: SweepPlan, out: Path | None = None, *, workers: int | None = None, engine: str = "local",
              scheduler: str | None = None, chunk_size: int | None = None,
              progress: Progress | None = None,
              on_start: Callable[[SweepPlan, int], None] | None = None) -> SweepReport:
    """Run the plan's runs not yet in the store at ``out``, storing each batch as it arrives;
    then export CSV and Parquet and report. ``on_start(plan, stored)`` is called once the store
    is open, before the first run."""
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise SweepError(f"--workers {workers}: expected a whole number of at least 1")
    if chunk_size is not None and chunk_size < 1:
        raise SweepError(f"--chunk {chunk_size}: expected a whole number of at least 1")
    if engine not in ENGINES:
        raise SweepError(f"--engine {engine}: expected one of {', '.join(ENGINES)}")
    if scheduler and engine != "dask":
        raise SweepError("--scheduler: only with --engine dask")
    out = Path(out or plan.spec.out or default_out(plan))
    try:
        store = ResultStore.open(out, plan.definition(), plan.columns(), meta=plan.meta())
    except StoreError as err:
        raise SweepError(str(err)) from None
    with store:
        done = store.done()
        pending = plan.total - len(done)
        chunks = chunks_of(plan, done, chunk_size or auto_chunk(pending, workers))
        if pending == 0:
            batches: Batches = iter([[]])    # nothing left to run: no pool, no cluster
        elif engine == "local":
            batches = local_engine(plan.scenario, chunks, workers)
        else:
            batches = dask_engine(plan.scenario, chunks, workers, scheduler)
        ran = 0
        try:
            next(batches)               # the engine is up (a cluster connected) before anything is said
            if on_start is not None:
                on_start(plan, len(done))
            bar = progress or make_progress(plan.total, len(done))
            try:
                for rows in batches:
                    store.add(rows)
                    ran += len(rows)
                    bar.update(len(rows), sum(row["status"] != "ok" for row in rows))
            finally:
                bar.close()
        finally:
            getattr(batches, "close", lambda: None)()
        counts = store.counts()
        csv_path = store.export_csv()
        try:
            parquet_path: Path | None = store.export_parquet()
        except ImportError:
            parquet_path = None
        return SweepReport(out, plan.total, ran, len(done), counts["ok"], counts["failed"], counts["formed"],
                           store.failures(), csv_path, parquet_path)


def report_lines(report: SweepReport) -> list[str]:
    """The closing summary: runs done and failed, share formed, why runs failed, where the tables are."""
    stored = report.ok + report.failed
    lines = [f"runs: {stored} of {report.total} stored ({report.ran} run now, {report.resumed} from before); "
             f"{report.failed} failed"]
    if report.ok:
        lines.append(f"agreement formed in {report.formed_share:.1%} of runs ({report.formed} of {report.ok})")
    for error, count in report.failures:
        lines.append(f"  failed ({count} run{'s' if count != 1 else ''}): {error}")
    exports = str(report.csv) + (f" and {report.parquet}" if report.parquet else
                                 " (Parquet skipped: pip install 'tppgame[sweep]' for pyarrow)")
    lines.append(f"wrote {exports}; store {report.out / 'sweep.sqlite'}")
    return lines


__all__ = ["SweepError", "EngineError", "Values", "Distribution", "Design", "SweepSpec", "SweepPlan", "RunSpec",
           "SweepReport", "parse_vary", "parse_spec", "make_design", "run_seed", "build_plan", "make_spec",
           "load_sweep_file", "run_chunk", "run_sweep", "report_lines", "outcome"]
