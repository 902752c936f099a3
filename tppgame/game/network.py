"""The graph of the game: countries (with their 2013 GDP and membership), the agreements already
in force between them, and the deals the talks close (the dashboard draws it)."""

from __future__ import annotations

import networkx as nx
import numpy as np

from tppgame.game.scenario import Scenario


def country_network(config: Scenario, members: np.ndarray) -> nx.Graph:
    """The countries (node size: GDP) and the trade agreements between them in force in 2013."""
    graph = nx.Graph()
    gdp = config.params["gdp"]
    for k, code in enumerate(config.countries):
        graph.add_node(code, name=config.params["names"][code], gdp=float(gdp[k]), member=bool(members[k]))
    for (a, b), name in config.params["fta_names"].items():
        if a < b:
            graph.add_edge(a, b, existing_agreement=name)
    return graph


def add_deal(graph: nx.Graph, a: str, b: str, kind: str) -> None:
    """A deal of ``kind`` (tpp, conditional, standalone) closed between ``a`` and ``b``."""
    edge = graph.get_edge_data(a, b) or {}
    edge.setdefault("deals", []).append(kind)
    graph.add_edge(a, b, **edge)



def remove_deal(graph: nx.Graph, a: str, b: str, kind: str) -> None:
    """A deal of ``kind`` between ``a`` and ``b`` reopened: it no longer counts as closed (the edge
    goes if nothing else ties the two)."""
    edge = graph.get_edge_data(a, b)
    if edge is None or kind not in edge.get("deals", []):
        return
    edge["deals"].remove(kind)
    if not edge["deals"] and not edge.get("existing_agreement"):
        graph.remove_edge(a, b)
