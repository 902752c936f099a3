"""The event log: every offer, acceptance, rejection, deal and scheduled event, in order."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import numpy as np


class SectorValues:
    """Per-sector values (concessions), kept as an array until read, so logging stays cheap."""

    __slots__ = ("values", "sectors")

    def __init__(self, values: np.ndarray, sectors: tuple[str, ...]):
        self.values, self.sectors = values, sectors

    def as_dict(self) -> dict[str, float]:
        """The sectors with a non-zero value, rounded to 4 decimals."""
        return {s: round(float(v), 4) for s, v in zip(self.sectors, self.values) if v > 1e-6}

    def __repr__(self) -> str:
        return f"SectorValues({self.as_dict()})"


class EventLog:
    """An append-only list of events (dicts with at least ``round`` and ``kind``)."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(self, round_number: int, kind: str, **fields: Any) -> None:
        self.entries.append({"round": round_number, "kind": kind, **fields})

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def in_round(self, round_number: int) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["round"] == round_number]

    def of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["kind"] in kinds]

    def to_jsonl(self) -> str:
        """One JSON object per line, numbers rounded so that files compare byte for byte."""
        return "".join(json.dumps(_plain(e), sort_keys=False) + "\n" for e in self.entries)


class NullLog(EventLog):
    """A log that keeps nothing, for games whose only result is their outcome (sweeps)."""

    def add(self, round_number: int, kind: str, **fields: Any) -> None:
        pass


def _plain(value: Any) -> Any:
    if hasattr(value, "as_dict"):       # per-sector values kept as they were made until read
        return value.as_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):      # strict JSON: no NaN or infinity (none is "no value")
        return round(float(value), 6) if math.isfinite(value) else None
    return value
