"""Settings and outcomes in words, with their units: the labels of figures and tables.

One source: a setting's label is built from its entry in
:data:`tppgame.game.scenario_descriptions.DESCRIPTIONS` (its meaning and unit), with the country
and sector named as the calibration names them (``countries.JPN.sensitivity.rice`` ->
"Japan's domestic political cost of fully opening rice (0 = nobody objects, 1 = ordinary lobby,
3 = near-untouchable)"). Parenthetical asides and backticks of a description are dropped from the
label; the unit is kept in parentheses. A description that opens by naming the payoff or kind it
applies to (the lobby weight's "political_economy: extra weight ...") is labelled by what follows;
one that says what each of its values means, or opens with a condition, has its label in :data:`LABELS`.
A path without a description is returned as it is.
The outcomes of a run or a sweep (``formed``, ``round``, ``utility_XXX``, ...) have their words here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tppgame.game.events import after_event
from tppgame.game.scenario_descriptions import DESCRIPTIONS

# outcome name -> (words, unit); "{country}" is the country's name
OUTCOMES: dict[str, tuple[str, str]] = {
    "formed": ("Agreement formed", "1 = yes, 0 = no"),
    "agreement_probability": ("Probability of agreement", "share of runs"),
    "round": ("Round of conclusion", "round"),
    "conclusion_round": ("Round of conclusion", "round; no agreement counts as the number of rounds + 1"),
    "n_members": ("Members of the agreement", "countries"),
    "gdp_share": ("Members' share of the original signatories' 2013 GDP", "share of GDP"),
    "in_force": ("Agreement in force", "1 = yes, 0 = no"),
    "utility": ("{country} utility", "utility"),
    # the welfare account of the outcome (tppgame.game.welfare), as a sweep stores it
    "welfare_pct_gdp": ("{country} welfare gain", "% of its 2013 GDP"),
    "welfare_usd_m": ("{country} welfare gain", "US$ m"),
    "welfare_total_usd_m": ("Welfare gain of all the countries together", "US$ m"),
    "welfare_members_usd_m": ("Welfare gain of the agreement's members together", "US$ m; 0 without an agreement"),
    "welfare_min_pct_gdp": ("Smallest welfare gain of any country", "% of its 2013 GDP"),
    "n_welfare_losers": ("Countries whose welfare falls", "countries"),
}
PER_COUNTRY = ("utility", "welfare_pct_gdp")    # outcomes with a column per country, NAME_XXX

# settings whose description says what each of their values means or opens with a condition: their label
LABELS: dict[str, str] = {
    "bargaining.information": "What a negotiator knows of its partner's utility",
    "bargaining.rules_of_origin": "Preferences count only what the rules of origin let exporters use",
    "bargaining.standard_transitions": "Members may implement the common standards after a transition",
    "side_deals[].kind": "Whether the side deal stands whatever happens to the TPP",
    "headlines[].expect": "Whether the headline is claimed to hold",
}
# a description's opening tag naming the payoff, kind or value it applies to: "`a`, `b` only (...): "
_TAG = re.compile(r"^`[^`]+`(?:,\s*`[^`]+`)*(?:\s+only)?(?:\s*\([^()]*\))?:\s+")


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, str], dict[str, str]]:
    """Country code -> name and sector -> label (lower-case but for acronyms), from the calibration."""
    from tppgame.game.calibration import load_calibration

    calibration = load_calibration()
    countries = {code: str(block.get("name", code)) for code, block in calibration.settings["countries"].items()}
    sectors = {}
    for sector, label in calibration.sector_labels.items():
        label = re.sub(r"\s*\([^()]*\)", "", label)
        sectors[sector] = label if label[:2].isupper() else label[:1].lower() + label[1:]
    return countries, sectors


def country_name(code: str) -> str:
    return _names()[0].get(code, code)


def possessive(name: str) -> str:
    """``Japan`` -> ``Japan's``, ``United States`` -> ``United States'``."""
    return name + ("'" if name.endswith("s") else "'s")


def sector_name(sector: str) -> str:
    return _names()[1].get(sector, sector)


def description_key(path: str) -> tuple[str, str | None, str | None]:
    """The key of ``path`` in DESCRIPTIONS (country codes -> CODE, sectors -> SECTOR, ``[n]`` -> ``[]``),
    with the country code and sector it names (None where it names none)."""
    countries, sectors = _names()
    code = sector = None
    parts = []
    for part in re.sub(r"\[\d+\]", "[]", path).split("."):
        if part in countries and code is None:
            code, part = part, "CODE"
        elif part in sectors and sector is None:
            sector, part = part, "SECTOR"
        parts.append(part)
    return ".".join(parts), code, sector


def _plain(meaning: str) -> str:
    """A description's meaning without its opening tag (the payoff or kind it applies to), backticks,
    parenthetical asides and what follows a colon or semicolon."""
    text = re.sub(r"\s*\([^()]*\)", "", _TAG.sub("", meaning).replace("`", ""))
    return re.split(r"[:;]\s", text)[0].strip().rstrip(".")


def setting_label(path: str, unit: bool = True) -> str:
    """A setting's label in words, with its unit in parentheses when ``unit`` (and it has one); a
    setting as a scheduled event sets it (``after:LABEL:PATH``) is labelled "... after LABEL"."""
    after = after_event(path)
    if after is not None:
        plain, full = setting_label(after[1], unit=False), setting_label(after[1], unit)
        return f"{plain} after {after[0]}{full[len(plain):]}"
    key, code, sector = description_key(path)
    if key not in DESCRIPTIONS:
        return path
    meaning, units = DESCRIPTIONS[key]
    words = LABELS.get(key) or _plain(meaning)
    if sector is not None:
        name = sector_name(sector)
        words = words.replace("the sector", name) if "the sector" in words else f"{words} in {name}"
    if code is not None:
        name = country_name(code)
        if re.search(r"\bthe country", words, flags=re.IGNORECASE):
            words = re.sub(r"\b[Tt]he country's", possessive(name), words)
            words = re.sub(r"\b[Tt]he country\b", name, words)
        else:
            words = re.sub(r"^(A|The) ", "", words)
            words = f"{possessive(name)} {words[:1].lower()}{words[1:]}"
    words = words[:1].upper() + words[1:]
    return f"{words} ({units})" if unit and units else words


def outcome_label(name: str, unit: bool = True) -> str:
    """An outcome's label in words (``utility_JPN`` -> "Japan's utility (utility)",
    ``welfare_pct_gdp_JPN`` -> "Japan's welfare gain (% of its 2013 GDP)"; a per-country outcome
    without its country, as in the long table, is "The country's ..."); unknown names as they are."""
    base, _, code = name.rpartition("_")
    if name in OUTCOMES:
        words, units = OUTCOMES[name]
        country = "The country's"
    elif base in PER_COUNTRY and code:
        words, units = OUTCOMES[base]
        country = possessive(country_name(code))
    else:
        return name
    words = words.format(country=country)
    return f"{words} ({units})" if unit and units else words


def label(name: str, unit: bool = True) -> str:
    """An outcome's or a setting's label (outcomes first)."""
    words = outcome_label(name, unit)
    return words if words != name else setting_label(name, unit)
