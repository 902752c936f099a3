"""The class server in a real headless chromium, offline: a teacher and three students, each in their
own browser context, create and join a room, two students close a talk with each other and write in
its channel and on the plenary board, a round
advances, a reload and a rejoin find the same seat, the server is killed and started again on the
same SQLite file and the room is still there, a student's link opens neither the teacher's
console nor anyone else's seat, and the projector view at 1920x1080 has no text under 18 px.

Every request the pages make off 127.0.0.1 is blocked and recorded (there must be none), and so is
any request to Solara's CDN proxy for a file it does not hold on disk (the server would fetch that
one from the internet, as it does for KaTeX when a page uses ``solara.Markdown``). Screenshots go
to ``test-artifacts/classroom/``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts" / "classroom"
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = bool(os.environ.get("CI"))

if IN_CI:
    import playwright.sync_api  # noqa: F401
    import solara  # noqa: F401
else:
    pytest.importorskip("solara")
    pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect, sync_playwright

expect.set_options(timeout=30_000)       # the machine may be busy: a page that is slow is not a failure

US_JAPAN = "US-Japan bilateral deal (binding only within the TPP)"
# every visible piece of text on the page, with its font size in px
SMALLEST_TEXT = """() => { const out = []; const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) { const node = walk.currentNode; const el = node.parentElement;
    if (!node.textContent.trim() || !el) continue; const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    out.push([node.textContent.trim().slice(0, 40), parseFloat(getComputedStyle(el).fontSize)]); }
  return out; }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python run.py classroom`` on a port and a SQLite file; started, killed and started again."""

    def __init__(self, db: Path, *options: str):
        self.db, self.port, self.options = db, _free_port(), options
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc: subprocess.Popen | None = None
        self.printed = ""

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "run.py", "classroom", "--port", str(self.port), "--db",
                                      str(self.db), *self.options], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        lines = []
        rooms = int(self.options[self.options.index("--rooms") + 1]) if "--rooms" in self.options else 1
        while sum("teacher's console" in line for line in lines) < rooms:
            line = self.proc.stdout.readline()
            if not line:
                pytest.fail(f"the class server did not start: {''.join(lines)[-2000:]}")
            lines.append(line)
        self.printed = "".join(lines)
        deadline = time.time() + 60
        while True:
            try:
                if urllib.request.urlopen(self.url, timeout=2).status == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.kill()
                pytest.fail(f"the class server did not answer: {self.printed}")
            time.sleep(0.3)

    def kill(self) -> None:
        """Stop the server as a crash would (SIGKILL: nothing is flushed or closed on the way out)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        if self.proc is not None:
            self.proc.stdout.close()


def served(db: Path, *options: str):
    """A class server on ``db`` with ``options`` for a test (skipped without chromium, failed in CI)."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed")
    server = Server(db, *options)
    server.start()
    yield server
    server.kill()


@pytest.fixture()
def server(tmp_path):
    yield from served(tmp_path / "class.sqlite")


class Offline:
    """Browser contexts whose requests off this computer, or for a file Solara's CDN proxy would fetch
    online, are blocked and noted."""

    def __init__(self, browser):
        from solara.server.settings import assets

        self.browser, self.external, self.cdn, self.local = browser, [], [], assets.proxy_cache_dir
        self.pages: list = []

    def keep_screens(self) -> None:
        """Screenshots of every page, to see what a failing step saw."""
        for k, page in enumerate(self.pages):
            try:
                page.screenshot(path=str(ARTIFACTS / f"failed-page{k}.png"), full_page=True)
            except Exception:
                pass

    def page(self, width: int = 1280, height: int = 1600):
        context = self.browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        self.pages.append(page)

        def route(route):
            url = route.request.url
            host = url.split("/")[2].split(":")[0] if "://" in url else ""
            if "/_solara/cdn/" in url and not (self.local / url.split("/_solara/cdn/")[1].split("?")[0]).is_file():
                self.cdn.append(url)
                route.abort()
            elif url.startswith("data:") or host in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                self.external.append(url)
                route.abort()

        page.route("**/*", route)
        return page

    def assert_stayed_on_machine(self) -> None:
        """No page asked the internet, nor Solara's CDN proxy for a file it would fetch online."""
        assert self.external == [], f"the pages asked the internet for {self.external}"
        assert self.cdn == [], f"the pages asked Solara's CDN proxy for what it would fetch online: {self.cdn}"


def _join(page, base: str, code: str, name: str) -> None:
    page.goto(f"{base}?code={code}")
    page.get_by_text("Join the class game").wait_for(timeout=60_000)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join", exact=True).click()
    page.wait_for_url(re.compile(r"\?seat="), timeout=30_000)


def _choose(page, label: str, option: str) -> None:
    page.get_by_label(label).click(force=True)
    page.get_by_role("option", name=option, exact=True).click()


def _press(page, button: str) -> None:
    """Press a button that may first warn (the deal gives less than the country needs): then press it again."""
    page.get_by_role("button", name=button).click()
    warning = page.get_by_text("Press the button again to go ahead")
    expect(warning.or_(page.get_by_role("button", name=button, disabled=True))).to_be_visible()
    if warning.count():
        page.get_by_role("button", name=button).click()
        expect(page.get_by_role("button", name=button, disabled=True)).to_be_visible()


def _offer_in(page, talk: str) -> None:
    """Choose a talk, and make the offer the sliders hold."""
    page.get_by_role("button", name=talk, exact=True).click()
    page.locator("h3", has_text=talk).wait_for()
    _press(page, "Make offer")


def test_a_class_plays_in_one_room_and_survives_a_restart(server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    code = re.search(r"Room (\w{6}) ", server.printed).group(1)
    teacher_token = re.search(r"\?teacher=(\S+)", server.printed).group(1)
    teacher_link = f"{server.url}?teacher={teacher_token}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        net = Offline(browser)
        try:
            teacher = net.page()
            teacher.goto(teacher_link)
            teacher.get_by_text(f"Teacher's console — room {code}").wait_for(timeout=60_000)
            assert teacher.locator(".tpp-qr svg").count() == 1 and teacher.locator(".tpp-join-code").inner_text() == code

            students = {}
            for name, country in (("Ana", "JPN"), ("Ben", "USA"), ("Cy", "AUS")):
                page = net.page()
                _join(page, server.url, code, name)
                page.get_by_role("button", name=re.compile(f"^{country} ")).click()
                page.get_by_text(f"{name} — ").filter(has_text=f"({country})").wait_for()
                students[name] = page
            for name in students:
                teacher.get_by_text(f"● {name}").wait_for(timeout=30_000)      # joined and connected
            teacher.screenshot(path=str(ARTIFACTS / "teacher_lobby.png"), full_page=True)

            teacher.get_by_role("button", name="Start the game").click()
            ana, ben, cy = students["Ana"], students["Ben"], students["Cy"]
            for page in (ana, ben, cy):
                page.get_by_text("Your talks this round").wait_for(timeout=30_000)
            expect(ana.get_by_text("Round 1 of 40")).to_be_visible()
            expect(ana.locator(".v-slider").first).to_be_visible()
            assert ana.get_by_text(re.compile(r"^give \w+: \d\.\d\d$")).count() >= 1      # the sliders show their values

            _offer_in(ana, US_JAPAN)                    # Japan's student offers to the US's student...
            ana.get_by_text(f"{US_JAPAN} with USA: your offer waits for the other player").wait_for(timeout=30_000)
            ben.get_by_role("button", name=US_JAPAN, exact=True).click()
            ben.get_by_text(f"{US_JAPAN} with JPN: the other player's offer waits for you").wait_for(timeout=30_000)
            ben.get_by_text("Offer standing from JPN").wait_for()
            _press(ben, "Take their offer")
            ben.get_by_text(f"{US_JAPAN} with JPN: deal closed").wait_for(timeout=30_000)
            ana.get_by_text(f"{US_JAPAN} with USA: deal closed").wait_for(timeout=30_000)   # ...who takes it

            talks = ben.locator(".v-card", has_text="Your talks this round")      # the talk's channel...
            talks.get_by_label("Message (up to 280 characters)").fill("Beef next round? <b>x</b>")
            talks.get_by_role("button", name="Send").click()
            ana.get_by_text("Round 1 · Ben (USA): Beef next round? <b>x</b>").wait_for(timeout=30_000)   # as text
            board = ana.locator(".v-card", has_text="Plenary board")               # ...and the plenary board
            board.get_by_label("Message (up to 280 characters)").fill("Japan is open to talks")
            board.get_by_role("button", name="Send").click()
            cy.get_by_text("Round 1 · Ana (JPN): Japan is open to talks").wait_for(timeout=30_000)
            teacher.get_by_text(f"[{US_JAPAN}] Round 1 · Ben (USA): Beef next round?", exact=False).wait_for()
            teacher.get_by_text("[plenary] Round 1 · Ana (JPN): Japan is open to talks").wait_for()

            cy.get_by_role("button", name="Let my negotiators handle this talk").click()
            teacher.get_by_text(re.compile(r"Cy \(AUS\) let the negotiators handle")).wait_for(timeout=30_000)
            ana.screenshot(path=str(ARTIFACTS / "student_deal.png"), full_page=True)
            teacher.screenshot(path=str(ARTIFACTS / "teacher_round1.png"), full_page=True)

            start = time.perf_counter()
            teacher.get_by_role("button", name="Advance the round", exact=True).click()
            seen = []
            for page in (ana, ben, cy):       # each time is an upper bound: the pages are waited for in turn
                page.get_by_text("Round 2 of 40").wait_for(timeout=30_000)
                seen.append(time.perf_counter() - start)
            (ARTIFACTS / "update_times.txt").write_text(
                "From the teacher's click on Advance the round until each student's page (3 browser contexts) "
                "shows the new round, seconds:\n" + " ".join(f"{t:.3f}" for t in seen) + "\n")
            expect(teacher.locator(".v-card", has_text="What happened")).to_contain_text("Round 1")

            ana_link = ana.url
            ana.reload()                                  # a reload is the same seat
            ana.get_by_text("Ana — Japan (JPN)").wait_for(timeout=60_000)
            again = net.page()
            _join(again, server.url, code.lower(), "ana")  # so is joining again with the code and the name
            assert again.url == ana_link

            cy.context.close()                         # Cy closes the laptop: the console shows it
            teacher.get_by_text("○ Cy").wait_for(timeout=60_000)     # at once, or once the server lets it go
            _choose(teacher, "Student", "Cy")                # the teacher moves Cy to New Zealand
            _choose(teacher, "Country", "NZL")
            teacher.get_by_role("button", name="Move the student").click()
            log = teacher.locator(".v-card", has_text="Room log")
            expect(log).to_contain_text("Cy sits for NZL")
            expect(log).to_contain_text("AUS handed to its negotiators (no student holds it)")
            with teacher.expect_download() as download:
                teacher.get_by_text("Export the room's log and outcome").click()
            exported = json.loads(Path(download.value.path()).read_text())
            assert exported["students"] == [{"name": "Ana", "country": "JPN"}, {"name": "Ben", "country": "USA"},
                                            {"name": "Cy", "country": "NZL"}]
            assert any(e["kind"] == "deal" for e in map(json.loads, exported["events"]))
            assert teacher_token not in json.dumps(exported) and ana_link.split("seat=")[1] not in json.dumps(exported)

            for forged in (f"?teacher={ana_link.split('seat=')[1]}", "?seat=not-a-token", "?teacher=nope"):
                intruder = net.page()
                intruder.goto(server.url + forged)      # a student's token opens no console, a forged one nothing
                intruder.get_by_text("This link opens no room on this server").wait_for(timeout=60_000)
                assert intruder.get_by_text("Teacher's console").count() == 0 and intruder.get_by_text(code).count() == 0

            server.kill()                                 # the server dies mid-game...
            server.start()                                # ...and comes back on the same file
            assert f"Room {code} (baseline, seed 2013, running)" in server.printed
            teacher.goto(teacher_link)
            teacher.get_by_text(f"Teacher's console — room {code}").wait_for(timeout=60_000)
            expect(teacher.get_by_text("Round 2 of 40").first).to_be_visible()
            expect(teacher.locator(".v-card", has_text="Room log")).to_contain_text(
                "Ben (USA) took the offer in " + US_JAPAN)
            ana.goto(ana_link)
            ana.get_by_text("Ana — Japan (JPN)").wait_for(timeout=60_000)
            ana.get_by_text("Round 2 of 40").wait_for()
            teacher.get_by_text("● Ana").wait_for(timeout=30_000)
            teacher.get_by_role("button", name="Advance the round", exact=True).click()
            ana.get_by_text("Round 3 of 40").wait_for(timeout=30_000)       # the restored room plays on
            ana.screenshot(path=str(ARTIFACTS / "student_after_restart.png"), full_page=True)

            wall = net.page(width=1920, height=1080)      # the projector: the join code opens it
            wall.goto(f"{server.url}?projector={code}")
            wall.get_by_text(f"Room {code} · Round 3 of 40").wait_for(timeout=60_000)
            assert wall.locator("svg.tpp-map circle").count() == 12
            expect(wall.get_by_text("GDP share of those who would ratify")).to_be_visible()
            wall.screenshot(path=str(ARTIFACTS / "projector_1920x1080.png"))
            smallest = wall.evaluate(SMALLEST_TEXT)
            assert smallest and min(px for _, px in smallest) >= 18, sorted(smallest, key=lambda t: t[1])[:5]
            assert wall.get_by_text("Solara").count() == 0      # no banner, no developer controls

            teacher.get_by_role("button", name="End the game").click()        # the teacher stops the game here
            ana.get_by_text("Japan ends with a gain of").wait_for(timeout=30_000)
            expect(ana.locator(".v-card", has_text="Debrief")).to_contain_text("In this game:")
            expect(teacher.locator(".v-card", has_text="Debrief")).to_contain_text("In fact:")
            ana.screenshot(path=str(ARTIFACTS / "student_debrief.png"), full_page=True)
            teacher.screenshot(path=str(ARTIFACTS / "teacher_after_restart.png"), full_page=True)
        except Exception:
            net.keep_screens()
            raise
        browser.close()
    net.assert_stayed_on_machine()
