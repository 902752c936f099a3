"""The plan of a sweep: what was asked for (a :class:`SweepSpec`, from ``--vary`` and the other
options or a sweep file), checked against the scenario into a :class:`SweepPlan`: the design,
the replicates, and the seed of every run (:func:`run_seed`, from the one sweep seed).
"""

from __future__ import annotations

import hashlib
import json
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np

from tppgame.experiments.store import Column, StoreError, table_columns
from tppgame.experiments.sweep_design import (DESIGNS, MORRIS_LEVELS, MOST_RUNS, Design, SweepError, Values, Vary,
                                              make_design, parse_spec, parse_vary)
from tppgame.experiments.sweep_progress import format_duration
from tppgame.game.data_files import name_too_long
from tppgame.game.events import after_event
from tppgame.game.fields import SEEDS, first_repeat, is_seed, iso_dates, parse_toml
from tppgame.game.scenario import Scenario, ScenarioError, load_scenario
from tppgame.game.settings import unread_settings, unread_words

SWEEP_FILE_KEYS = ("scenario", "vary", "set", "design", "samples", "reps", "seed", "out", "drop_events")
# The sweep seed feeds two independent SeedSequence streams: the sampled design, and the runs.
DESIGN_STREAM, RUN_STREAM = 0, 1


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
    # where a varied setting was written when not ``origin`` (a --vary over a sweep file's [vary]), and a
    # fixed one when not --set (a sweep file's [set]: "FILE (set)"), for error messages; (path, origin) pairs
    vary_origins: tuple[tuple[str, str], ...] = ()
    set_origins: tuple[tuple[str, str], ...] = ()
    # what else to store of each finished game, beyond its outcome (tools built on sweeps, such as
    # tournaments): a picklable callable, model -> {column: value}, with ``columns`` (store Columns)
    measure: Measure | None = None
    # the labels of scheduled events the games play without (--drop-event)
    drop_events: tuple[str, ...] = ()
    # replicate ``r`` of every point plays the same seed (common random numbers, for paired comparisons
    # of the points, as a tournament's negotiators are compared) instead of a seed of its own per run
    common_seeds: bool = False


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
    # settings of the sweep that an event of the scenario sets again (:func:`overriding_events`)
    warnings: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return len(self.design) * self.reps

    def run(self, index: int) -> RunSpec:
        """The run with this index (``point * reps + rep``): seed :func:`run_seed` of its index, or of its
        replicate alone with common seeds (so point 0's runs have the same seeds either way)."""
        point, rep = divmod(index, self.reps)
        seed = run_seed(self.seed, rep if self.spec.common_seeds else index)
        return RunSpec(index, point, rep, seed, tuple(self.design.point(point).items()), self.spec.measure)

    def columns(self) -> list[Column]:
        """The runs table's columns for this sweep."""
        measured = list(self.spec.measure.columns) if self.spec.measure is not None else []
        return table_columns(self.design.column_kinds(), self.scenario.countries) + measured

    def definition(self) -> dict[str, Any]:
        """What identifies the sweep (a store holding another definition is not resumed)."""
        measure = {} if self.spec.measure is None else {"measure": repr(self.spec.measure)}
        dropped = {"drop_events": list(self.spec.drop_events)} if self.spec.drop_events else {}
        common = {"common_seeds": True} if self.spec.common_seeds else {}
        return {**measure, **dropped, **common,
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
        """What later reports need: countries, the design as a SALib problem, a Morris design's trajectories,
        and the warnings of settings a scheduled event sets again (:func:`overriding_events`)."""
        from tppgame import __version__

        names = [v.path for v in self.design.vary]
        meta: dict[str, Any] = {
            "tppgame_version": __version__, "scenario_file": self.scenario.file,
            "countries": list(self.scenario.countries),
            "problem": {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names),
                        "second_order": self.design.kind == "sobol"},
            "event_warnings": [line.removeprefix(WARNING_PREFIX) for line in self.warnings]}
        if self.design.kind == "morris" and self.design.unit is not None:
            # the trajectories as grid levels (0 to 3), for the analysis of elementary effects
            steps = MORRIS_LEVELS - 1
            meta["morris"] = {"num_levels": MORRIS_LEVELS,
                              "levels": np.rint(self.design.unit * steps).astype(int).tolist()}
        return meta


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def build_plan(spec: SweepSpec, say: Callable[[str], None] | None = None,
               clock: Callable[[], float] = time.monotonic) -> SweepPlan:
    """Load the scenario, build the design and check every point with ``Scenario.with_overrides``.

    Raises SweepError or ScenarioError (one line) before any run starts. A check that takes more
    than a second is told to ``say``: a line with how many points are checked, then one every 10 s.
    """
    if spec.reps < 1:
        raise SweepError(f"--reps {spec.reps}: expected a whole number of at least 1")
    if spec.seed is not None and not is_seed(spec.seed):
        raise SweepError(f"--seed {spec.seed}: expected {SEEDS}")
    paths = [v.path for v in spec.vary]
    _each_once("--vary", paths, "setting")
    if "seed" in paths:
        raise SweepError("--vary seed: every run's seed comes from the sweep seed (--seed); vary a setting")
    for path in paths:
        if path in dict(spec.fixed):
            fixed_at = dict(spec.set_origins).get(path, "--set")
            varied_at = dict(spec.vary_origins).get(path, spec.origin)
            raise SweepError(f"{varied_at} {path}: also given {'with' if fixed_at == '--set' else 'in'} "
                             f"{fixed_at}; give it once")
    scenario = load_scenario(spec.scenario)
    if spec.drop_events:
        try:
            scenario = scenario.without_events(spec.drop_events)
        except ValueError as err:
            raise SweepError(f"--drop-event {err}") from None
    if spec.fixed:
        scenario = scenario.with_overrides(dict(spec.fixed), origin="--set", origin_of=dict(spec.set_origins))
    seed = scenario.seed if spec.seed is None else spec.seed
    design = make_design(spec.vary, spec.design, spec.samples, design_seed(seed))
    if len(design) * spec.reps > MOST_RUNS:
        points = f"{len(design)} point{'s' * (len(design) != 1)}"
        raise SweepError(f"--reps {spec.reps}: {points} x {spec.reps} reps = {len(design) * spec.reps} runs; "
                         f"expected at most {MOST_RUNS}")
    try:
        table_columns(design.column_kinds(), scenario.countries)
    except StoreError as err:
        raise SweepError(f"--vary {err}") from None
    digest = hashlib.sha256()
    start = clock()
    told = None
    for k in range(len(design)):
        point = design.point(k)
        digest.update(json.dumps(point, sort_keys=True).encode())
        if point:
            _check_point(scenario, point, k, design, spec.origin, dict(spec.vary_origins))
        if say is not None and k % 50 == 49:
            now = clock()
            if told is None and now - start > 1.0:
                rate = (k + 1) / (now - start)
                say(f"sweep: checking {len(design)} points against the scenario before any run "
                    f"({k + 1} done, about {format_duration((len(design) - k - 1) / rate)} left)")
                told = now
            elif told is not None and now - told >= 10.0:
                say(f"sweep: checked {k + 1}/{len(design)} points ({(k + 1) / len(design):.0%})")
                told = now
    swept = [*paths, *(path for path, _ in spec.fixed)]
    warnings = tuple(overriding_events(scenario, swept) + unread_by_payoff(scenario, swept))
    if say is not None:
        for line in warnings:
            say(line)
    return SweepPlan(scenario, spec, design, spec.reps, seed, digest.hexdigest()[:16], warnings)


WARNING_PREFIX = "sweep: warning: "


def _overlaps(path: str, other: str) -> bool:
    return path == other or path.startswith(other + ".") or other.startswith(path + ".")


class Override(NamedTuple):
    """A setting (``path``, as given) that a scheduled event sets again: the event, the setting it sets
    (``changed``) and its value; ``targeted`` when the paths also set ``after:LABEL:CHANGED`` of that event."""

    path: str
    event: Any
    changed: str
    value: Any
    targeted: bool


def event_overrides(scenario: Scenario, paths: Sequence[str]) -> list[Override]:
    """Each setting of ``paths`` that a scheduled event of the scenario sets again (a shock's ``set``), with
    the event: from its round on the game plays the event's value (or the ``after:`` path's, ``targeted``).
    A setting targeted after an event (``after:LABEL:PATH``) counts only for later events."""
    found = []
    targeted = {after for after in map(after_event, paths) if after is not None}
    for path in paths:
        after = after_event(path)
        target, since = (after[1], _event_round(scenario, after[0])) if after else (path, 0)
        for event in scenario.events:
            if after is not None and (event.label == after[0] or event.round < since):
                continue
            found += [Override(path, event, changed, value, (event.label, changed) in targeted)
                      for changed, value in getattr(event, "changes", ()) if _overlaps(target, changed)]
    return found


def event_words(scenario: Scenario, override: Override) -> str:
    """'the event "LABEL" (round R, starting DATE[ with probability P])'."""
    event = override.event
    chance = "" if event.probability >= 1 else f" with probability {event.probability:g}"
    return f'the event "{event.label}" (round {event.round}, starting {scenario.round_date(event.round)}{chance})'


def overriding_events(scenario: Scenario, paths: Sequence[str]) -> list[str]:
    """A warning line for each setting of the sweep that a scheduled event of the scenario sets
    again (:func:`event_overrides`): from that event's round on, every run plays the event's value, or the
    value the sweep gives it where the sweep also sets ``after:LABEL:PATH`` of that event and setting."""
    lines = []
    for o in event_overrides(scenario, paths):
        label, after_path = o.event.label, f"after:{o.event.label}:{o.changed}"
        then = (f'from then on each run plays the value the sweep gives "{after_path}", not {o.path}\'s; '
                f'--drop-event "{label}" plays without it' if o.targeted else
                f"{o.changed} = {json.dumps(o.value)} from then on in every run; "
                f'--drop-event "{label}" plays without it, and "{after_path}" varies the value it sets')
        lines.append(f"{WARNING_PREFIX}{o.path} is set again by {event_words(scenario, o)}: {then}")
    return lines


def unread_by_payoff(scenario: Scenario, paths: Sequence[str]) -> list[str]:
    """A warning line for each setting of the sweep that the scenario's payoff does not read
    (:func:`tppgame.game.settings.unread_settings`): every run plays as without it. None when the sweep
    varies the payoff itself (some points may read it)."""
    if any(path.split(":")[-1] == "bargaining.payoff" for path in paths):
        return []
    payoff = scenario.params["payoff"]
    return [f"{WARNING_PREFIX}{path}: {unread_words(payoff)}, so every run plays as without it"
            for path in unread_settings(payoff, paths)]


def _event_round(scenario: Scenario, label: str) -> int:
    """The round of the scheduled event of this label (the plan checked that there is one)."""
    return next((e.round for e in scenario.events if e.label == label), 0)


def _check_point(scenario: Scenario, point: Mapping[str, Any], index: int, design: Design, origin: str,
                 origin_of: Mapping[str, str]) -> None:
    """One point of the design over the scenario: a bad value is one line naming where it was written; a
    grid's value named by its own error needs no point, an error of settings together says the point."""
    try:
        scenario.with_overrides(point, origin=origin, origin_of=origin_of)
    except ScenarioError as err:
        if design.kind == "grid" and err.file == origin_of.get(err.path, origin) and not err.joint:
            ranges = [v for v in design.vary if v.path == err.path and isinstance(v, Values) and v.range_text]
            where = "".join(f" (the range {v.range_text} gives {', '.join(map(str, v.values))})" for v in ranges)
        else:
            where = f" (at sweep point {index}: {describe_point(point)})"
        raise SweepError(f"{err}{where}") from None
    except Exception as err:   # a value the schema let through but the scenario cannot use
        raise SweepError(f"{origin}: {describe_point(point)}: the scenario cannot use this point "
                         f"({type(err).__name__}: {err})") from None


def _each_once(option: str, names: Sequence[str], what: str) -> None:
    """A setting or label named twice is bad input: the second would replace, or repeat, the first."""
    repeat = first_repeat(names)
    if repeat is not None:
        raise SweepError(f"{option} {names[repeat[1]]}: given twice; give each {what} once")


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
        if isinstance(value, dict) and value:     # an empty table is a value (refused as one), not nothing
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
        raw = parse_toml(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return False
    return "vary" in raw or "scenario" in raw


def load_sweep_file(path: Path) -> SweepSpec:
    """A sweep file: ``scenario``, a ``[vary]`` table of PATH = SPEC, and optionally ``[set]``,
    ``design``, ``samples``, ``reps``, ``seed`` and ``out`` (relative to the current folder).
    A relative scenario path is looked for beside the sweep file first."""
    file = str(path)
    try:
        raw = parse_toml(Path(path).read_text(encoding="utf-8"))
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
    out = get("out", lambda v: isinstance(v, str) and v != "" and not name_too_long(v),
              "a folder name the system accepts")
    dropped = get("drop_events", lambda v: isinstance(v, list) and all(isinstance(x, str) and x for x in v)
                  and len(set(v)) == len(v), "a list of event labels, each once", [])
    return SweepSpec(
        scenario=scenario, vary=vary, fixed=tuple(iso_dates(_flatten(set_table)).items()),
        design=get("design", lambda v: v in DESIGNS, "one of " + ", ".join(DESIGNS)),
        samples=get("samples", whole(1), "a whole number of at least 1"),
        reps=get("reps", whole(1), "a whole number of at least 1", 1),
        seed=get("seed", is_seed, SEEDS),
        out=Path(out) if out else None, origin=f"{file} (vary)", drop_events=tuple(dropped),
        set_origins=tuple((path, f"{file} (set)") for path in _flatten(set_table)))


def make_spec(target: str, vary: Sequence[str] = (), fixed: Sequence[tuple[str, Any]] = (),
              design: str | None = None, samples: int | None = None, reps: int | None = None,
              seed: int | None = None, out: Path | None = None, drop_events: Sequence[str] = ()) -> SweepSpec:
    """The sweep from the command line: a scenario with ``--vary`` specs, or a sweep file whose
    values the options given on the command line replace (``--vary`` per setting; ``--drop-event``
    labels add to the file's)."""
    base = load_sweep_file(Path(target)) if is_sweep_file(target) else SweepSpec(scenario=target)
    cli_vary = [parse_vary(text) for text in vary]
    _each_once("--vary", [v.path for v in cli_vary], "setting")
    _each_once("--drop-event", list(drop_events), "label")
    merged_vary = {v.path: v for v in base.vary}
    merged_vary.update({v.path: v for v in cli_vary})
    merged_fixed = dict(base.fixed)
    merged_fixed.update(dict(fixed))
    # each setting's origin where it is not the default: --set for fixed ones, ``origin`` for varied ones (a
    # sweep file's own when it varies any, so that a --vary over it is named apart)
    origin = "--vary" if cli_vary and not base.vary else base.origin
    set_origins = tuple((path, at) for path, at in base.set_origins if path not in dict(fixed))
    vary_origins = tuple((v.path, "--vary") for v in cli_vary if origin != "--vary")
    if reps is not None and reps < 1:
        raise SweepError(f"--reps {reps}: expected a whole number of at least 1")
    return SweepSpec(
        scenario=base.scenario, vary=tuple(merged_vary.values()), fixed=tuple(merged_fixed.items()),
        design=design if design is not None else base.design,
        samples=samples if samples is not None else base.samples,
        reps=reps if reps is not None else base.reps,
        seed=seed if seed is not None else base.seed,
        out=out if out is not None else base.out,
        drop_events=tuple(dict.fromkeys([*base.drop_events, *drop_events])),
        origin=origin, vary_origins=vary_origins, set_origins=set_origins)
