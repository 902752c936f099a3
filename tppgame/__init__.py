"""tppgame: a multi-agent negotiation game of the Trans-Pacific Partnership talks, on Mesa."""

from tppgame.model import TPPModel
from tppgame.game.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["TPPModel", "Scenario", "ScenarioError", "load_scenario"]
__version__ = "0.1.0"
