"""The economy data file: 2013 trade, applied tariffs and trade elasticities, each figure sourced.

``data/economy.toml`` is read and checked once per process into an :class:`Economy` of numpy
arrays over the calibration's countries and sectors, which :mod:`tppgame.game.welfare` uses.
Each figure is a table ``{value, source|judgment|method, note?}``: ``source`` names an entry of
``[sources]`` (of this file or of ``calibration.toml``), ``judgment`` gives the reason for a
modelling choice and ``method`` states how a figure no source gives is computed. A bad figure
(no origin, an unknown source, a tariff or elasticity out of range) stops the load with a
:class:`~tppgame.game.fields.ScenarioError` naming the file, the setting and what was expected
(the checks are :mod:`tppgame.game.data_files`', shared with the quotas and rules files).

``[output.XXX]`` gives each country's 2013 domestic production by sector (US$ bn, producer prices
or gross output value): what an import-competing lobby stands to lose when its price falls.

Trade is built in three layers: a gravity estimate for every directed pair (GDP times GDP over
distance, its constant fitted to the sourced pairs), replaced by the sourced pair totals where
the file gives them; each exporter's sector shares applied to its pair totals; and sourced
pair-by-sector flows in place of those where the file gives them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tppgame.game.calibration import PACKAGE_DIR, Calibration, load_calibration
from tppgame.game.data_files import display_path, figure, per_country, per_sector, read_sourced, sub_table
from tppgame.game.fields import ScenarioError

ECONOMY_FILE = PACKAGE_DIR / "data" / "economy.toml"
MAX_TARIFF = 10.0          # 1000% ad valorem: above Japan's rice (778%), below any real tariff's typo
MAX_ELASTICITY = 20.0
MAX_OUTPUT = 5000.0        # US$ bn: above any one sector of any member (US cattle ~US$70 bn, US cars ~US$300 bn)
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Economy:
    """Trade, tariffs, elasticities and domestic production as arrays over countries ``i, j`` and sectors ``s``."""

    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    trade: np.ndarray            # [i, j, s]: 2013 exports of i to j in s, US$ bn
    tariff: np.ndarray           # [j, s]: j's applied MFN tariff (ad valorem fraction)
    coverage: np.ndarray         # [j, s]: share of it j's agreements in force had removed for their partners
    import_demand: np.ndarray    # [s]: import demand elasticity (positive)
    substitution: np.ndarray     # [s]: elasticity of substitution between suppliers (positive)
    rent_share: float            # share of a tariff cut reaching the exporter as a higher price
    gdp: np.ndarray              # [i]: 2013 GDP, US$ bn (the calibration's)
    figure_sources: dict[str, str]
    # [i, s]: 2013 domestic production value, US$ bn (the data file's [output]); an economy built by
    # hand without it (a test's toy) has no domestic production, zeros
    output: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.output is None:
            object.__setattr__(self, "output", np.zeros((len(self.countries), len(self.sectors))))

    def select(self, countries: tuple[str, ...], sectors: tuple[str, ...]) -> Economy:
        """The same economy over a scenario's countries and sectors (in its order)."""
        if countries == self.countries and sectors == self.sectors:
            return self
        try:
            c = [self.countries.index(code) for code in countries]
            s = [self.sectors.index(name) for name in sectors]
        except ValueError as err:
            raise ScenarioError(display_path(ECONOMY_FILE), "", f"figures for every country and sector ({err})",
                                show_got=False) from None
        return Economy(tuple(countries), tuple(sectors), self.trade[np.ix_(c, c, s)], self.tariff[np.ix_(c, s)],
                       self.coverage[np.ix_(c, s)], self.import_demand[s], self.substitution[s], self.rent_share,
                       self.gdp[c], self.figure_sources, self.output[np.ix_(c, s)])


def great_circle_km(lat_lon: np.ndarray) -> np.ndarray:
    """[i, j]: great-circle distances in km between points given as rows (latitude, longitude) in degrees."""
    phi, lam = np.radians(lat_lon[:, 0]), np.radians(lat_lon[:, 1])
    d_phi = phi[:, None] - phi[None, :]
    d_lam = lam[:, None] - lam[None, :]
    h = np.sin(d_phi / 2) ** 2 + np.cos(phi)[:, None] * np.cos(phi)[None, :] * np.sin(d_lam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def gravity_flows(gdp: np.ndarray, distance: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """[i, j]: exports G * GDP_i * GDP_j / distance_ij, G the geometric mean of observed / predicted
    over the pairs ``observed`` gives (NaN elsewhere); the diagonal is 0."""
    n = len(gdp)
    off = ~np.eye(n, dtype=bool)
    raw = np.where(off, np.outer(gdp, gdp) / np.where(off, distance, 1.0), 0.0)
    known = off & np.isfinite(observed) & (observed > 0) & (raw > 0)
    scale = float(np.exp(np.mean(np.log(observed[known] / raw[known]))))
    return scale * raw


def _pair(key: str, countries: tuple[str, ...], file: str, where: str) -> tuple[int, int, str]:
    parts = key.split("_", 2)
    if len(parts) < 2 or parts[0] not in countries or parts[1] not in countries or parts[0] == parts[1]:
        raise ScenarioError(file, f"{where}.{key}", "EXPORTER_IMPORTER with two different country codes",
                            show_got=False)
    return countries.index(parts[0]), countries.index(parts[1]), parts[2] if len(parts) == 3 else ""


def _trade(raw: Mapping[str, Any], file: str, cal: Calibration, sources: Mapping[str, str],
           gdp: np.ndarray, figures: dict[str, str]) -> np.ndarray:
    """[i, j, s]: 2013 exports by pair and sector (the three layers of the module docstring)."""
    countries, sectors = cal.countries, cal.sectors
    n, s = len(countries), len(sectors)
    trade = sub_table(raw, "trade", file)
    gravity = sub_table(trade, "gravity", file, "trade")
    if not isinstance(gravity.get("method"), str):
        raise ScenarioError(file, "trade.gravity.method", "a text stating the gravity method", gravity.get("method"))
    capitals = sub_table(trade, "capitals", file, "trade")
    lat_lon = np.zeros((n, 2))
    for k, code in enumerate(countries):
        if code not in capitals:
            raise ScenarioError(file, f"trade.capitals.{code}", "a [latitude, longitude] figure", show_got=False)
        point = figure(capitals[code], file, f"trade.capitals.{code}", sources, -180, 180, figures)
        if not isinstance(point, list) or len(point) != 2 or abs(point[0]) > 90:
            raise ScenarioError(file, f"trade.capitals.{code}.value", "[latitude, longitude] in degrees", point)
        lat_lon[k] = point
    observed = np.full((n, n), np.nan)
    for key, fig in sub_table(trade, "flows", file, "trade").items():
        i, j, _ = _pair(key, countries, file, "trade.flows")
        observed[i, j] = figure(fig, file, f"trade.flows.{key}", sources, 0, 1e5, figures)
    if not np.isfinite(observed).any():
        raise ScenarioError(file, "trade.flows", "at least one sourced pair to fit the gravity constant", show_got=False)
    totals = np.where(np.isfinite(observed), observed, gravity_flows(gdp, great_circle_km(lat_lon), observed))
    shares_table = sub_table(trade, "sector_shares", file, "trade")
    if not isinstance(shares_table.get("method"), str):
        raise ScenarioError(file, "trade.sector_shares.method", "a text stating how sector shares make flows",
                            shares_table.get("method"))
    per_country(shares_table, "trade.sector_shares", file, countries)
    shares = np.zeros((n, s))
    for k, code in enumerate(countries):
        block = shares_table.get(code, {})
        if not isinstance(block, dict):
            raise ScenarioError(file, f"trade.sector_shares.{code}", "a table of sector shares", block)
        shares[k] = per_sector(block, f"trade.sector_shares.{code}", file, sectors, sources, 0, 1, figures,
                                complete=False)
        if shares[k].sum() > 1 + 1e-9:
            raise ScenarioError(file, f"trade.sector_shares.{code}", "shares summing to at most 1", float(shares[k].sum()))
    flows = totals[:, :, None] * shares[:, None, :]
    for key, fig in sub_table(trade, "sector_flows", file, "trade").items():
        i, j, sector = _pair(key, countries, file, "trade.sector_flows")
        if sector not in sectors:
            raise ScenarioError(file, f"trade.sector_flows.{key}", "EXPORTER_IMPORTER_SECTOR with a game sector",
                                show_got=False)
        flows[i, j, sectors.index(sector)] = figure(fig, file, f"trade.sector_flows.{key}", sources, 0, 1e5, figures)
    return flows


def load_economy(path: Path | None = None) -> Economy:
    """Read and check the economy data file (default: the package's ``data/economy.toml``) once per
    process, over the calibration's countries and sectors."""
    return _load_economy(Path(path) if path is not None else ECONOMY_FILE)


@lru_cache(maxsize=4)
def _load_economy(path: Path) -> Economy:
    cal = load_calibration()
    file, raw, own = read_sourced(path)
    sources = {**cal.sources, **own}
    figures: dict[str, str] = {}
    countries, sectors = cal.countries, cal.sectors
    gdp = np.array([cal.settings["countries"][c]["gdp_2013"] for c in countries], dtype=float)
    elastic = sub_table(raw, "elasticities", file)
    rent = float(figure(elastic.get("rent_share"), file, "elasticities.rent_share", sources, 0, 1, figures))
    demand = per_sector(sub_table(elastic, "import_demand", file, "elasticities"), "elasticities.import_demand", file,
                        sectors, sources, 1e-6, MAX_ELASTICITY, figures)
    substitution = per_sector(sub_table(elastic, "substitution", file, "elasticities"), "elasticities.substitution",
                              file, sectors, sources, 1e-6, MAX_ELASTICITY, figures)
    tariff = _country_by_sector(raw, "tariffs", file, cal, sources, MAX_TARIFF, figures, "tariffs")
    output = _country_by_sector(raw, "output", file, cal, sources, MAX_OUTPUT, figures,
                                "2013 production values (US$ bn)")
    cover_table = sub_table(raw, "agreement_coverage", file)
    default = float(figure(cover_table.get("default"), file, "agreement_coverage.default", sources, 0, 1, figures))
    per_country({k: v for k, v in cover_table.items() if k != "default"}, "agreement_coverage", file, countries)
    coverage = np.array([per_sector(cover_table.get(code, {}), f"agreement_coverage.{code}", file, sectors,
                                     sources, 0, 1, figures, complete=False, default=default) for code in countries])
    trade = _trade(raw, file, cal, sources, gdp, figures)
    return Economy(countries, sectors, trade, tariff, coverage, demand, substitution, rent, gdp, figures, output)


def _country_by_sector(raw: Mapping[str, Any], key: str, file: str, cal: Calibration, sources: Mapping[str, str],
                       high: float, figures: dict[str, str], what: str) -> np.ndarray:
    """[i, s]: a ``[key.XXX]`` table per country with a figure in ``[0, high]`` for every sector."""
    tables = sub_table(raw, key, file)
    per_country(tables, key, file, cal.countries)
    rows = []
    for code in cal.countries:
        if not isinstance(tables.get(code), dict):
            raise ScenarioError(file, f"{key}.{code}", f"a table of {what}, one per sector", show_got=False)
        rows.append(per_sector(tables[code], f"{key}.{code}", file, cal.sectors, sources, 0, high, figures))
    return np.array(rows)
