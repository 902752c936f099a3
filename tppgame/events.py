"""Scheduled events, placed on the Mesa model's event list.

Events that change the game (a country joins or withdraws, a domestic shock, a side
deal concluded on stated terms) fire at the start of their round, before the talks;
deadlines and summits are reviewed at the end of their round, after the talks. An
event with a probability below 1 happens or not by a draw from the model's generator,
so the same seed gives the same history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.time import Priority

from tppgame.scenario import EventSpec

if TYPE_CHECKING:
    from tppgame.model import TPPModel

START_OF_ROUND = -0.5   # offset from the round's time: before the round's talks


class ScheduledEvent:
    """One scenario event; the model keeps it alive and Mesa calls :meth:`fire` at its time."""

    def __init__(self, model: TPPModel, spec: EventSpec):
        self.model = model
        self.spec = spec

    @property
    def at_start(self) -> bool:
        return self.spec.kind in ("join", "withdraw", "shock")

    def schedule(self) -> None:
        if self.at_start:
            self.model.schedule_event(self.fire, at=self.spec.round + START_OF_ROUND)
        else:
            self.model.schedule_event(self.fire, at=self.spec.round, priority=Priority.LOW)

    def fire(self) -> None:
        model, spec = self.model, self.spec
        happens = spec.probability >= 1.0 or model.rng.random() < spec.probability
        if not happens:
            model.log.add(spec.round, "event_skipped", event=spec.kind, label=spec.label,
                          probability=spec.probability)
            return
        if spec.kind == "join":
            model.join(spec.country, spec.label)
        elif spec.kind == "withdraw":
            model.withdraw(spec.country, spec.label)
        elif spec.kind == "shock":
            model.apply_shock(dict(spec.changes), spec.label)
        else:
            model.review_deadline(spec)


class FixedSideDeal:
    """A side deal a scenario states outright: it closes on its terms at the start of its round."""

    def __init__(self, model: TPPModel, talk_index: int, round_number: int):
        self.model, self.talk_index, self.round_number = model, talk_index, round_number

    def schedule(self) -> None:
        self.model.schedule_event(self.fire, at=self.round_number + START_OF_ROUND)

    def fire(self) -> None:
        talk = self.model.talks[self.talk_index]
        if talk.deal is None and talk.fixed_terms is not None:
            self.model.close(talk, *talk.fixed_terms, self.round_number)
