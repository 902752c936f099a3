"""A country's brief for the student who holds its seat: what it wants, its red lines, what it needs
to ratify and its outside option, read from the scenario (so it stays true to the calibration),
and the warning a student sees before offering or taking less than the country needs."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tppgame.game.agreement import needed_to_ratify
from tppgame.game.seat import SeatTalk, utilities
from tppgame.model import TPPModel

WANTS = 3          # the sectors listed as what the country wants most


def brief_lines(model: TPPModel, country: str) -> list[str]:
    """The country's brief, as short Markdown lines (its role card)."""
    p, sectors = model.config.params, model.sectors
    i = model.config.index(country)
    interest = p["export_interest"][i]
    wants = [sectors[k] for k in np.argsort(-interest, kind="stable")[:WANTS] if interest[k] > 0]
    sensitive = [(sectors[k], p["sensitivity"][i, k]) for k in np.argsort(-p["sensitivity"][i], kind="stable")
                 if p["sensitivity"][i, k] >= 1.0]
    red = [f"{sectors[k]} (open at most {p['red_line'][i, k]:.2f})" for k in range(len(sectors))
           if p["red_line"][i, k] < 1.0]
    check = model.last_check
    lines = [f"**What {p['names'][country]} wants:** partners to open "
             + (", ".join(wants) if wants else "little: it has no strong export stake") + "."]
    lines.append("**What it protects:** " + (", ".join(f"{s} (political cost {v:g})" for s, v in sensitive)
                                             or "no sector with a strong lobby") + ".")
    lines.append("**Red lines:** " + ("; ".join(red) if red else "none in public") + ".")
    lines.append(f"**To ratify** it needs at least {p['ratification_threshold'][i]:.0%} of the gains it could "
                 "attain from the agreement; in each talk the page shows what that means for the talk.")
    outside, now = check.outside_option.get(country), check.utility.get(country)
    if outside is not None and now is not None:
        lines.append(f"**Outside option** (no TPP, deals in force elsewhere): {outside:.4f}; "
                     f"with the package as it stands: {now:.4f} ({now - outside:+.4f}).")
    return lines


def offer_values(seat: SeatTalk, gives: Mapping[str, float], asks: Mapping[str, float],
                 sectors: tuple[str, ...]) -> tuple[float, float]:
    """What a draft offer gives (the seat, the partner), against no deal in this talk this round."""
    x_seat = np.array([float(gives.get(s, 0.0)) for s in sectors])
    x_partner = np.array([float(asks.get(s, 0.0)) for s in sectors])
    return utilities(seat.summary, x_seat, x_partner, seat.seat_is_a)


def short_of_needs(seat: SeatTalk, value: float) -> str | None:
    """The warning before offering or taking a deal worth ``value`` to the seat, if that is less
    than the country needs from this talk to ratify; None when it is enough."""
    if value >= seat.reserve_seat:
        return None
    return (f"This gives your country {value:+.4f}, less than the {seat.reserve_seat:+.4f} it needs from this "
            "talk to ratify: your parliament may reject the package.")


def outcome_line(model: TPPModel, country: str) -> str:
    """How the country ends the game: its gain over its outside option against what it needed to ratify."""
    check = model.last_check
    needed = float(needs(model)[model.config.index(country)])
    gain = check.utility.get(country, 0.0) - check.outside_option.get(country, 0.0)
    verdict = "enough to ratify" if gain >= needed - 1e-12 else "short of what it needed to ratify"
    signed = " It signed the agreement." if country in check.signatories else ""
    return (f"**{model.config.params['names'][country]}** ends with a gain of {gain:+.4f} over its outside option "
            f"against {needed:+.4f} needed: {verdict}.{signed}")


def needs(model: TPPModel) -> np.ndarray:
    """[i]: the gain over its outside option each country needs to ratify the package (its threshold
    times what it could attain from the members), as the plurilateral check asks it."""
    return needed_to_ratify(model.weights, model.members)
