"""The classroom dashboard, in Mesa's convention: ``solara run tppgame/app.py`` (or ``python run.py dashboard``).

Each browser tab plays its own game: the model is made per session, so students who
take seats on their own laptops do not step each other's games; a teacher projects
one tab. The controls in the sidebar apply on Reset.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz

from tppgame.classroom.dashboard import COMPONENTS, DashboardModel, model_params


@solara.component
def Page():
    model = solara.use_memo(DashboardModel, [])
    return SolaraViz(model, components=COMPONENTS, model_params=model_params(),
                     name="tppgame: the Trans-Pacific Partnership talks", play_interval=400)
