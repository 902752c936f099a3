"""The classroom dashboard: its pure parts, and the page itself in a real headless chromium, offline.

The browser tests start ``python run.py dashboard`` on a free port, block every request
that is not to this computer, and drive the page like a teacher and a student would.
Screenshots go to ``test-artifacts/dashboard/``; the Step redraw times to
``test-artifacts/dashboard/step_times.txt`` (reported in the README, not asserted).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = bool(os.environ.get("CI"))

if IN_CI:   # in CI the dashboard must be tested, never skipped
    import playwright.sync_api  # noqa: F401
    import solara  # noqa: F401
else:
    pytest.importorskip("solara")
    pytest.importorskip("playwright.sync_api")

from tppgame.classroom.dashboard import (AS_SCENARIO, DashboardModel, classroom_scenario,  # noqa: E402
                               concessions_matrix, edge_kinds, model_params,
                               network_figure, parse_seed, scenario_names, utility_figure,
                               concessions_html)
from tppgame.classroom.game_text import agreement_markdown, debrief_markdown, event_lines, power_html  # noqa: E402

NO_TACTICS = {code: AS_SCENARIO for code in ("USA", "JPN")}


# ----------------------------------------------------------------------- pure parts
def test_classroom_scenario_applies_the_controls_and_says_what_changed():
    config, notes = classroom_scenario("baseline", {"USA": "conceder", "JPN": AS_SCENARIO}, 2.0, tpa=False,
                                       deadlines=False, entry_rule="cptpp")
    usa, jpn = config.index("USA"), config.index("JPN")
    assert config.params["tactic"][usa] == "conceder"
    assert config.params["tactic"][jpn] == "boulware"
    assert config.params["sensitivity"][jpn, config.sectors.index("rice")] == 2.0
    assert config.entry_rule.name == "cptpp"
    assert not any("trade promotion authority" in e.label.lower() for e in config.events)
    assert not any(e.kind in ("deadline", "summit") for e in config.events)
    assert notes == ["Changed from the scenario: USA tactic boulware -> conceder; Japan's rice sensitivity 3 -> 2; "
                     "entry rule tpp -> cptpp; no trade promotion authority; no deadlines or summits."]


def test_classroom_scenario_untouched_by_default_controls():
    config, notes = classroom_scenario("baseline", NO_TACTICS, 3.0, tpa=True, deadlines=True, entry_rule=AS_SCENARIO)
    from tppgame import load_scenario

    assert notes == []
    assert config.events == load_scenario("baseline").events


def test_tpa_switch_on_a_scenario_without_tpa_says_it_does_nothing():
    _, notes = classroom_scenario("tokyo_2014", NO_TACTICS, 3.0, tpa=False, deadlines=True, entry_rule=AS_SCENARIO)
    assert notes == ["This scenario has no trade promotion authority event: the TPA switch changes nothing."]


def test_a_seed_that_is_not_a_number_is_reported_not_hidden():
    model = DashboardModel(seed="twelve")
    assert model.run_seed == model.config.seed
    assert "Seed 'twelve' is not a whole number" in model.notes[0]
    assert DashboardModel(seed=" 7 ").run_seed == 7


@pytest.mark.parametrize("text", ["²", "٣", "9" * 5000, "-1", "1e3", "7.0", str(2**63), "+7"])
def test_a_seed_outside_ascii_digits_or_the_seed_range_is_reported_not_a_crash(text):
    model = DashboardModel(seed=text)
    assert model.run_seed == model.config.seed
    assert len(model.notes) == 1 and model.notes[0].startswith(f"Seed '{text[:24]}")
    assert "is not a whole number" in model.notes[0] and len(model.notes[0]) < 200   # a long seed is cut


def test_seeds_the_model_accepts_are_played():
    assert parse_seed(" 7 ") == 7 and DashboardModel(seed=" 7 ").run_seed == 7
    assert parse_seed("0") == 0 and parse_seed(str(2**63 - 1)) == 2**63 - 1
    assert parse_seed(str(2**63)) is None and parse_seed("") is None and parse_seed("0" * 5000) is None
    assert DashboardModel(seed=str(2**63 - 1)).notes == []


FORGED = ["../../etc/x", "/dev/zero", "baseline.toml", "scenarios/baseline", "./baseline", "evil", "EVIL",
          "", "baseline ", "baseline\x00", "x" * 5000, None, 42, ["baseline"]]


@pytest.fixture()
def files_touched(tmp_path, monkeypatch):
    """Every path opened or looked up on disk while a test runs, and every scenario loaded.

    The working folder holds a poisoned scenarios/baseline.toml, baseline.toml and evil.toml:
    none may be read, nor even looked up (the folder itself is: scenario files are named relative to it).
    """
    import io

    from tppgame.classroom import dashboard

    for name in ("baseline.toml", "evil.toml", "scenarios/baseline.toml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("this is not TOML = = =\n")
    monkeypatch.chdir(tmp_path)
    touched: list[str] = []
    loaded: list = []

    def spy(owner, name):
        real = getattr(owner, name)

        def call(path, *args, **kwargs):
            touched.append(os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else repr(path))
            return real(path, *args, **kwargs)
        monkeypatch.setattr(owner, name, call)

    for owner, name in ((io, "open"), (os, "open"), (os, "stat"), (os, "lstat"), (os, "scandir"), (os, "listdir")):
        spy(owner, name)
    monkeypatch.setattr("builtins.open", io.open)
    real_load = dashboard.load_scenario
    monkeypatch.setattr(dashboard, "load_scenario", lambda path, *a, **k: loaded.append(path) or real_load(path, *a, **k))
    return touched, loaded, tmp_path


@pytest.mark.parametrize("name", FORGED + [str(Path("/tmp/nowhere") / "evil.toml")])
def test_a_scenario_that_is_not_bundled_is_refused_unread(name, files_touched):
    from tppgame.game.scenario import BUNDLED_SCENARIOS

    touched, loaded, folder = files_touched
    model = DashboardModel(scenario_name=name)
    assert model.scenario_name == "baseline"
    assert model.notes == [(f"That scenario is not one of the bundled scenarios ({', '.join(scenario_names())}): "
                            "the baseline scenario is played.")]
    assert loaded == [BUNDLED_SCENARIOS / "baseline.toml"]        # the bundled file, not ./scenarios/baseline.toml
    for path in touched:
        assert not path.startswith(f"{folder}/") and "etc/x" not in path and "zero" not in path
        relative_ok = path.startswith("__editable__")     # the import system's hook for this package
        assert "evil" not in path and "nowhere" not in path and (Path(path).is_absolute() or relative_ok), path
    assert f"*{model.notes[0]}*" in agreement_markdown(model)      # on the page, in the agreement panel
    with pytest.raises(ValueError, match="expected one of the bundled scenarios"):
        classroom_scenario(name, NO_TACTICS, 3.0, tpa=True, deadlines=True, entry_rule=AS_SCENARIO)
    assert len(loaded) == 1


def test_a_bundled_scenario_is_played_from_the_bundle_not_the_working_folder(files_touched):
    touched, loaded, folder = files_touched
    model = DashboardModel(scenario_name="tokyo_2014")
    assert model.scenario_name == "tokyo_2014" and model.notes == [] and model.config.name
    assert [p.name for p in loaded] == ["tokyo_2014.toml"] and not any(p.startswith(f"{folder}/") for p in touched)


def test_dashboard_model_with_default_controls_plays_the_scenario_game():
    from tppgame import TPPModel

    ours, plain = DashboardModel(seed="5"), TPPModel("baseline", rng=5)
    for model in (ours, plain):
        while model.running:
            model.step()
    assert ours.summary()["countries"] == plain.summary()["countries"]
    assert ours.formed_round == plain.formed_round


def test_a_scenario_with_the_services_chapter_shows_eleven_sectors():
    model = DashboardModel(scenario_name="lobbies_and_welfare", seed="3")
    while model.running:
        model.step()
    assert model.sectors[-1] == "services" and concessions_matrix(model).shape == (12, 11)
    assert "Agreement formed" in agreement_markdown(model) and "Welfare of the outcome" in debrief_markdown(model)


def test_controls_match_the_model_parameters():
    import inspect

    params = model_params()
    accepted = set(inspect.signature(DashboardModel.__init__).parameters) - {"self"}
    assert set(params) == accepted
    assert params["scenario_name"]["values"][0] and "baseline" in params["scenario_name"]["values"]


def test_views_follow_the_game():
    model = DashboardModel(seed="3")
    assert edge_kinds(model) and set(edge_kinds(model).values()) == {"existing"}
    assert concessions_matrix(model).max() == 0.0
    assert "Round 0 of 40 (before the talks)" in agreement_markdown(model)
    assert "- Veto under this rule: USA, JPN" in agreement_markdown(model)     # the TPP's 85% rule
    power = power_html(model)
    assert power.count("<th") == 1 + 12 + 2 and ">0.31</td>" in power and ">0.41</td>" in power
    assert power.count("font-weight:700") == 2 * 3                               # USA and JPN, in each row
    assert "appears when the last round" in debrief_markdown(model)
    while model.running:
        model.step()
    kinds = set(edge_kinds(model).values())
    assert {"tpp", "side"} <= kinds
    matrix = concessions_matrix(model)
    assert matrix.shape == (12, 11) and 0.0 < matrix.max() <= 1.0     # ten goods and the services chapter
    summary = model.summary()
    for k, code in enumerate(model.countries):   # the heatmap shows at least what the final table shows
        assert np.all(matrix[k] >= np.array(list(summary["countries"][code]["concessions"].values())) - 1e-4)
    text = agreement_markdown(model)
    assert "Round 40 of 40" in text and ("Agreement formed" in text) == summary["formed"]
    debrief = debrief_markdown(model)
    assert "In fact:** the agreement formed (05 October 2015)" in debrief
    japan = model.summary()["countries"]["JPN"]["welfare"]
    assert "#### Welfare of the outcome" in debrief and f"| JPN | {japan['percent_gdp']:+.4f} |" in debrief
    assert event_lines(model)[0].startswith("**Round 40")
    for draw in (network_figure, utility_figure):
        assert draw(model).axes
    table = concessions_html(model)
    assert table.count("<tr>") == 13 and ">rice</th>" in table and f"{matrix.max():.2f}</td>" in table


# ----------------------------------------------------------------------------- browser
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_log(tmp_path_factory):
    """Where the dashboard server writes its output (a file, not a pipe nobody reads)."""
    return tmp_path_factory.mktemp("dashboard") / "server.log"


@pytest.fixture(scope="module")
def server(server_log):
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed")
    port = _free_port()
    log = server_log.open("w")
    proc = subprocess.Popen([sys.executable, "run.py", "dashboard", "--port", str(port)], cwd=REPO,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 60
    while True:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail(f"dashboard did not start: {server_log.read_text()[-2000:]}")
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def cdn_fetches(page_requests: list[str], server_output: str) -> list[str]:
    """Signs of a fetch through Solara's CDN proxy for what ``solara.Markdown`` loads (KaTeX, Mermaid:
    not among the assets the solara-assets package serves, so the server asks the internet): the page's
    requests for them and the server's warnings that it could not load a URL."""
    asked = [url for url in page_requests if "/_solara/cdn/" in url and ("katex" in url or "mermaid" in url)]
    warned = [line for line in server_output.splitlines() if "Could not load URL" in line]
    return asked + warned


def test_cdn_fetches_are_recognised():
    warning = "Solara.cdn - WARNING - Could not load URL: 'https://cdn.jsdelivr.net/npm/katex' (timed out)"
    assert cdn_fetches(["http://127.0.0.1:1/_solara/cdn/katex@0.16/dist/katex.min.js"], warning) == [
        "http://127.0.0.1:1/_solara/cdn/katex@0.16/dist/katex.min.js", warning]
    served = "http://127.0.0.1:1/_solara/cdn/@widgetti/solara-vuetify-app@10.1.1/dist/main8.css"   # solara-assets
    assert cdn_fetches(["http://127.0.0.1:1/static/main.js", served], "Solara server at http://127.0.0.1:1/") == []


@pytest.fixture()
def tab(server, server_log):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    external: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        page = browser.new_page(viewport={"width": 1600, "height": 1400})

        def offline(route):
            url = route.request.url
            host = url.split("/")[2].split(":")[0] if "://" in url else ""
            if url.startswith("data:") or host in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                external.append(url)
                route.abort()

        page.route("**/*", offline)
        page.on("request", lambda request: requests.append(request.url))
        page.goto(server)
        page.get_by_text("Round 0 of 40").wait_for(timeout=60_000)
        yield page
        browser.close()
    assert external == [], f"the page asked the internet for {external}"
    # the page's text is drawn on the server (no solara.Markdown): nothing goes through the CDN proxy
    assert cdn_fetches(requests, server_log.read_text()) == []


def _figures_drawn(page) -> int:
    """How many matplotlib images are on the page and fully loaded with a size."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('img'))
        .filter(i => i.complete && i.naturalWidth > 100 && i.naturalHeight > 100).length""")


def _step_and_time(page, to_round: int) -> float:
    start = time.perf_counter()
    page.get_by_role("button", name="Step").click()
    page.get_by_text(f"Round {to_round} of 40").wait_for(timeout=30_000)
    page.wait_for_function("""() => Array.from(document.querySelectorAll('img'))
        .every(i => i.complete)""")
    return time.perf_counter() - start


def _choose(page, label: str, option: str) -> None:
    page.get_by_label(label).click(force=True)
    page.get_by_role("option", name=option, exact=True).click()


def test_page_draws_views_steps_and_reports_the_agreement(tab):
    page = tab
    assert _figures_drawn(page) == 2               # network, utilities
    assert page.locator("table.tpp-concessions tr").count() == 13     # the concessions heatmap
    assert page.get_by_text("No agreement yet.").is_visible()
    page.screenshot(path=str(ARTIFACTS / "start.png"), full_page=True)
    times = [_step_and_time(page, r) for r in range(1, 11)]
    assert _figures_drawn(page) == 2
    assert page.locator("table.tpp-concessions td").count() == 12 * 11    # ten goods and services
    panel = page.locator(".v-card", has_text="Entry into force (")
    assert "GDP share of those who would ratify" in panel.inner_text()
    assert "Hold-outs:" in panel.inner_text()
    assert "Veto under this rule: USA, JPN" in panel.inner_text()
    assert page.locator("table.tpp-power th").count() == 1 + 12 + 2          # the power indices, a column each
    assert page.get_by_text("Round 10 (April 2014)").count() >= 1     # the event log, in sentences
    page.screenshot(path=str(ARTIFACTS / "round10.png"), full_page=True)
    (ARTIFACTS / "step_times.txt").write_text(
        "Step redraw (click to round counter and all figures updated), seconds, rounds 1-10:\n"
        + " ".join(f"{t:.3f}" for t in times) + f"\nmedian {statistics.median(times):.3f}\n")


def test_a_control_changes_the_next_game(tab):
    page = tab
    slider = page.locator(".v-input", has_text="Japan's rice sensitivity").locator(".v-slider__thumb-container")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    _choose(page, "USA tactic", "conceder")
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("Changed from the scenario").wait_for()
    note = page.get_by_text("Changed from the scenario").inner_text()
    assert "Japan's rice sensitivity 3 -> 2.5" in note
    assert "USA tactic boulware -> conceder" in note
    _step_and_time(page, 1)
    page.screenshot(path=str(ARTIFACTS / "settings.png"), full_page=True)


def test_a_student_takes_a_seat_and_makes_an_offer(tab):
    page = tab
    _choose(page, "Take a seat as", "JPN")
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("You negotiate for JPN").wait_for()
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Waiting for your offers").wait_for()
    round_text = page.get_by_text("Round 1 of 40").inner_text()
    assert "Round 1 of 40" in round_text
    page.get_by_text("Your draft offer gives").wait_for()
    page.get_by_role("button", name="Step").click()          # the game waits: Step does not move on
    time.sleep(0.5)
    assert page.get_by_text("Round 1 of 40").count() == 1
    page.get_by_role("button", name="Make offer").click()
    reply = page.get_by_text("says no:").or_(page.get_by_text("accepts: deal closed"))
    reply.first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "seat_reply.png"), full_page=True)
    if page.get_by_text("says no:").count():
        assert page.get_by_text("Counter-offer from").is_visible()
        page.get_by_role("button", name="Take counter-offer").click()
        page.get_by_text("counter-offer: deal closed").wait_for()
    page.get_by_role("button", name="Finish round").click()
    page.get_by_text("Round 1 finished.").wait_for()
    from playwright.sync_api import expect

    expect(page.locator(".v-card", has_text="Entry into force (")).not_to_contain_text("Waiting for your offers")
    expect(page.locator(".v-card", has_text="What happened")).to_contain_text("Deal:")   # in the event log
    page.screenshot(path=str(ARTIFACTS / "seat_deal.png"), full_page=True)


def test_dashboard_on_every_address_warns_on_stderr_and_still_serves(tmp_path):
    port = _free_port()
    out, err = (tmp_path / "stdout").open("w+"), (tmp_path / "stderr").open("w+")
    proc = subprocess.Popen([sys.executable, "run.py", "dashboard", "--host", "0.0.0.0", "--port", str(port)],
                            cwd=REPO, stdout=out, stderr=err)
    try:
        deadline, status = time.time() + 60, None
        while status != 200 and proc.poll() is None and time.time() < deadline:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status
            except OSError:
                time.sleep(0.3)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        out.close()
        err.close()
    warning = ("warning: --host 0.0.0.0: the dashboard is reachable from other machines on the network, "
               "without a password (--host 127.0.0.1 keeps it to this computer)\n")
    assert status == 200, (tmp_path / "stderr").read_text()[-2000:]
    assert (tmp_path / "stderr").read_text().startswith(warning)
    # the address another machine can open: this computer's name, not 0.0.0.0 (cli_classroom.server_url)
    assert (tmp_path / "stdout").read_text().startswith(f"Dashboard at http://{socket.gethostname()}:{port}/")


def test_dashboard_command_refuses_a_port_in_use_in_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "run.py", "dashboard", "--port", str(port)], cwd=REPO,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == f"error: --host 127.0.0.1 --port {port}: cannot listen there (Address already in use)\n"
    bad = subprocess.run([sys.executable, "run.py", "dashboard", "--port", "70000"], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "expected a port number" in bad.stderr


@pytest.mark.parametrize("controls, refused", [
    ({"seat": "XXX"}, "Seat 'XXX'"),
    ({"jpn_rice_sensitivity": "lots"}, "Japan's rice sensitivity 'lots'"),
    ({"jpn_rice_sensitivity": float("nan")}, "Japan's rice sensitivity 'nan'"),
    ({"jpn_rice_sensitivity": 1e308}, "Japan's rice sensitivity '1e+308'"),
    ({"entry_rule": "unanimity"}, "Entry rule 'unanimity'"),
    ({"tactic_JPN": "os.system"}, "JPN tactic 'os.system'"),
])
def test_a_forged_control_value_is_replaced_by_its_default_with_a_note(controls, refused):
    """A websocket message can send any value: the session goes on with the control's default."""
    model = DashboardModel(**controls)
    assert any(note.startswith(refused) and "is not one the page offers" in note for note in model.notes)
    assert model.seat is None and model.config.params["sensitivity"][1, model.sectors.index("rice")] == 3.0
    assert model.negotiators[1].name == "boulware"
