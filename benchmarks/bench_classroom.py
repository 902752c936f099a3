"""A class on one server: python benchmarks/bench_classroom.py [--students 30] [--rounds 5].

Makes a room with that many students (the room assigns their countries: delegations of two or
three for thirty students) in a fresh SQLite file, starts ``run.py classroom`` on it, opens the
teacher's console and every student's page in its own context of one headless chromium (Debian's
/usr/bin/chromium, offline: requests off this computer are aborted), and has the teacher advance
the round ``--rounds`` times. For each advance and each student page it reports how long after the
click the page showed the new round: every page notes the moment in its own script (a
MutationObserver), against the same clock as the click, so the pages are timed side by side, not
one after another; then waits until no page has changed for a few seconds and reports, too, when
each page made its last change for the round (its whole redraw, not only the round line).

``--in-process`` measures the server's own part alone: the same room, its thirty students' views
and the teacher's console drawn by Solara's renderer in this process (the widgets are made and
updated as on the server, but no websocket and no browser), and the time from the advance until
each view has finished redrawing.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WATCH = """round => { window.__seen = window.__seen || {}; window.__last = window.__last || {};
  const look = () => { if (!window.__seen[round] && document.body.textContent.includes(`Round ${round} of`))
    window.__seen[round] = Date.now(); if (window.__seen[round]) window.__last[round] = Date.now(); };
  new MutationObserver(look).observe(document.body, {childList: true, subtree: true, characterData: true,
                                                     attributes: true});
  look(); }"""
QUIET = 3.0        # s without a change on any page: every page has finished redrawing the round


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_room(db: Path, students: int) -> tuple[str, list[str]]:
    """A room with ``students`` students the room seats; returns the teacher's token and the students'."""
    from tppgame.classroom.room_registry import Registry
    from tppgame.classroom.rooms import Settings

    registry = Registry(db)
    room = registry.create("baseline", settings=Settings(assign="assign"))
    tokens = [room.join(f"Student {k + 1}").token for k in range(students)]
    registry.store.close()
    return room.teacher_token, tokens


def serve(db: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "run.py", "classroom", "--port", str(port), "--db", str(db)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the class server did not start")


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used so far (user and system, from /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def offline(route) -> None:
    host = route.request.url.split("/")[2].split(":")[0]
    route.continue_() if host in ("127.0.0.1", "localhost") else route.abort()


def in_process(args: argparse.Namespace) -> list[list[float]]:
    """For each advance, the seconds until each view (students' and the console) finished redrawing."""
    import solara

    from tppgame.classroom import class_session, room_registry
    from tppgame.classroom.rooms import Settings
    from tppgame.classroom.seat_view import StudentView
    from tppgame.classroom.teacher_console import TeacherConsole

    finished: list[float] = []
    run = room_registry._Listening._run

    def timed(listening) -> None:            # a view's listener: the redraw of one page
        run(listening)
        finished.append(time.perf_counter())

    room_registry._Listening._run = timed
    with tempfile.TemporaryDirectory() as folder:
        registry = class_session._registry = room_registry.Registry(Path(folder) / "class.sqlite")
        room = registry.create("baseline", settings=Settings(assign="assign"))
        students = [room.join(f"Student {k + 1}") for k in range(args.students)]
        registry.act(room, lambda: room.start(room.teacher_token))
        views = [StudentView(room, s, s.token) for s in students] + [TeacherConsole(room, room.teacher_token)]
        drawn = [solara.render(view, handle_error=False) for view in views]
        registry.told()
        delays = []
        for _ in range(args.rounds):
            finished.clear()
            clicked = time.perf_counter()
            registry.act(room, lambda: room.advance(room.teacher_token))
            registry.told()
            delays.append([t - clicked for t in finished])
        for _, context in drawn:
            context.close()
        registry.store.close()
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--in-process", action="store_true",
                        help="draw the views in this process, without browsers or websockets (the server's part alone)")
    args = parser.parse_args()
    if args.in_process:
        report(args, "each view (the students' and the console) has redrawn, in this process", in_process(args),
               start="the advance")
        return
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        db, port = Path(folder) / "class.sqlite", free_port()
        teacher_token, tokens = make_room(db, args.students)
        proc = serve(db, port)
        url = f"http://127.0.0.1:{port}/"
        delays: list[list[float]] = []
        settled: list[list[float]] = []
        server_cpu: list[float] = []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
                pages = []
                opened = time.perf_counter()
                for token in [teacher_token, *tokens]:
                    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                    page.route("**/*", offline)
                    key = "teacher" if token == teacher_token else "seat"
                    page.goto(f"{url}?{key}={token}")
                    pages.append(page)
                for page in pages[1:]:
                    page.get_by_text("Waiting for the teacher to start").wait_for(timeout=120_000)
                teacher, students = pages[0], pages[1:]
                print(f"{args.students} students' pages and the console open in {time.perf_counter() - opened:.1f} s")
                teacher.get_by_text("Teacher's console").wait_for(timeout=60_000)
                teacher.get_by_role("button", name="Start the game").click()
                for page in students:
                    page.get_by_text("Round 1 of 40").wait_for(timeout=60_000)
                for r in range(2, args.rounds + 2):
                    for page in students:
                        page.evaluate(WATCH, r)
                    used = cpu_seconds(proc.pid)
                    clicked = time.time() * 1000
                    teacher.get_by_role("button", name="Advance the round", exact=True).click()
                    for page in students:
                        page.wait_for_function(f"() => window.__seen && window.__seen[{r}]", timeout=60_000)
                    while max(page.evaluate(f"window.__last[{r}]") for page in students) > time.time() * 1000 - QUIET * 1000:
                        time.sleep(0.5)
                    delays.append([(page.evaluate(f"window.__seen[{r}]") - clicked) / 1000 for page in students])
                    settled.append([(page.evaluate(f"window.__last[{r}]") - clicked) / 1000 for page in students])
                    server_cpu.append(cpu_seconds(proc.pid) - used)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    report(args, "each student's page shows the new round", delays)
    report(args, "each student's page stops changing (its last change for the round)", settled)
    print("the server's CPU time per advance (the click until every page stopped changing), seconds: "
          + " ".join(f"{t:.2f}" for t in server_cpu))


def report(args: argparse.Namespace, what: str, delays: list[list[float]], start: str = "the teacher's click") -> None:
    """Median, 90th percentile and slowest over every page and advance, and per advance; with the load average."""
    every = sorted(d for advance in delays for d in advance)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{platform.node()} ({os.cpu_count()} cores, load average {load}): {args.students} students, {args.rounds} "
          f"advances: from {start} until {what}, seconds: median {statistics.median(every):.2f}, "
          f"90th percentile {every[int(0.9 * (len(every) - 1))]:.2f}, slowest {every[-1]:.2f}")
    for r, advance in enumerate(delays, start=2):
        print(f"  round {r}: median {statistics.median(advance):.2f}, slowest {max(advance):.2f}")


if __name__ == "__main__":
    main()
