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

``--clients`` does the same with a websocket client per page instead of a browser: each connects
to the server as Solara's page script does (the page's request for its session cookie, the kernel
websocket, the ``solara.control`` comm's ``run`` with the page's link), so each student has a real
Solara session on the server, drawn and updated on its normal path; the client keeps the page's
widgets as the messages describe them, the teacher's client clicks "Advance the round" by the
button's own click event, and each student's client notes when the first message showing the new
round and the last message of the round's redraw arrive (one clock, in this process). No browser
takes the server's CPU, so this measures what the server does for a class; the browsers' own
drawing (and the values their sliders send back) is what the chromium mode adds.

``--in-process`` measures the server's own part alone: the same room, its thirty students' views
and the teacher's console drawn by Solara's renderer in this process (the widgets are made and
updated as on the server, but no websocket and no browser), and the time from the advance until
each view has finished redrawing.

To measure on a quiet machine (nothing else running; ``uptime`` before and after each run, and
say the load with the numbers), from the repository's folder, three runs of each mode:

    python benchmarks/bench_classroom.py --clients --students 30 --rounds 5
    python benchmarks/bench_classroom.py --students 30 --rounds 5
    python benchmarks/bench_classroom.py --in-process --students 30 --rounds 5

Each prints the machine's load average with its numbers. The target (issue 13, item 10): after a
round advances, every page shows it within 1 s, median. The README's speed table and
``docs/reference/performance.md`` hold the runs so far.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import struct
import uuid
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


# ---------------------------------------------------------------- a page as a websocket client
def wire_message(data: bytes | str) -> dict:
    """A message from Solara's kernel websocket: JSON text, or binary (a count of parts, their offsets,
    the JSON and the buffers, as Solara's ``serialize_binary_message`` writes them)."""
    if isinstance(data, str):
        return json.loads(data)
    parts = struct.unpack("!I", data[:4])[0]
    offsets = [*struct.unpack("!" + "I" * parts, data[4:4 * (parts + 1)]), len(data)]
    message = json.loads(data[offsets[0]:offsets[1]].decode("utf8"))
    message["buffers"] = [data[a:b] for a, b in zip(offsets[1:-1], offsets[2:])]
    return message


def kernel_message(kind: str, content: dict, page_id: str) -> str:
    """A message to the kernel in Jupyter's protocol (5.3) as the page script sends it, on the shell channel."""
    header = {"msg_id": uuid.uuid4().hex, "username": "bench", "session": page_id, "msg_type": kind,
              "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    return json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": content,
                       "buffers": [], "channel": "shell"})


class Widgets:
    """A page's widgets as the server's messages describe them: each model's state by its id (opened,
    updated and closed as a widget manager in the browser does)."""

    def __init__(self) -> None:
        self.models: dict[str, dict] = {}

    def apply(self, message: dict) -> bool:
        """Take in one message; True if it changed a widget (a comm's open, update or close)."""
        kind, content = message.get("msg_type") or message["header"]["msg_type"], message.get("content", {})
        if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
            self.models[content["comm_id"]] = dict(content["data"].get("state", {}))
            return True
        if kind == "comm_msg" and content.get("comm_id") in self.models:
            data = content.get("data", {})
            if data.get("method") in ("update", "echo_update"):
                self.models[content["comm_id"]].update(data.get("state", {}))
            return True
        if kind == "comm_close" and content.get("comm_id") in self.models:
            del self.models[content["comm_id"]]
            return True
        return False

    def shows(self, text: str) -> bool:
        """Whether any widget's text (a string in its state, or among its children) holds ``text``."""
        return any(text in value for state in self.models.values() for value in _strings(state))

    def button(self, label: str) -> str | None:
        """The id of the enabled button labelled ``label`` (its children hold the label)."""
        for model_id, state in self.models.items():
            if state.get("_model_name") == "BtnModel" and label in state.get("children", []) \
                    and not state.get("disabled"):
                return model_id
        return None


def _strings(state: dict):
    for value in state.values():
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, str))


class PageClient:
    """One page of the class server opened by a websocket client: a real Solara session on the server."""

    def __init__(self, url: str, query: str):
        self.url, self.query = url, query
        self.widgets = Widgets()
        self.page_id = uuid.uuid4().hex
        self.arrived: list[tuple[float, str]] = []      # (time.time(), raw text) of each widget message
        self.last_change = 0.0
        self.ws = None

    async def open(self) -> None:
        """Ask for the page (its session cookie), connect the kernel's websocket and run the app at the page's link."""
        import websockets.asyncio.client

        reply = await asyncio.to_thread(urllib.request.urlopen, f"{self.url}?{self.query}", timeout=60)
        cookie = "; ".join(c.split(";")[0] for c in reply.headers.get_all("Set-Cookie") or [])
        reply.read()
        kernel = uuid.uuid4()
        address = self.url.replace("http://", "ws://") + f"jupyter/api/kernels/{kernel}/channels?session_id={self.page_id}"
        self.ws = await websockets.asyncio.client.connect(address, additional_headers={"Cookie": cookie},
                                                          max_size=None, open_timeout=60)
        self.reader = asyncio.create_task(self._read())
        control = uuid.uuid4().hex
        await self.send("comm_open", {"comm_id": control, "target_name": "solara.control", "data": {}})
        await self.send("comm_msg", {"comm_id": control, "data": {"method": "run", "args": {
            "path": f"/?{self.query}", "appName": "__default__", "dark": False}}})

    async def send(self, kind: str, content: dict) -> None:
        await self.ws.send(kernel_message(kind, content, self.page_id))

    async def _read(self) -> None:
        async for data in self.ws:
            message = wire_message(data)
            if self.widgets.apply(message):
                now = time.time()
                self.last_change = now
                self.arrived.append((now, data if isinstance(data, str) else ""))

    def seen(self, text: str, since: float) -> float | None:
        """When the first widget message after ``since`` carrying ``text`` arrived (None: not yet)."""
        return next((t for t, raw in self.arrived if t >= since and text in raw), None)

    async def wait_for(self, text: str, timeout: float = 120.0) -> None:
        deadline = time.time() + timeout
        while not self.widgets.shows(text):
            if time.time() > deadline:
                raise SystemExit(f"a page never showed {text!r}")
            await asyncio.sleep(0.05)

    async def click(self, label: str, timeout: float = 60.0) -> float:
        """Click the button labelled ``label`` (the click event a browser's button sends); returns when."""
        deadline = time.time() + timeout
        while (model_id := self.widgets.button(label)) is None:
            if time.time() > deadline:
                raise SystemExit(f"no button {label!r} on the page")
            await asyncio.sleep(0.05)
        clicked = time.time()
        await self.send("comm_msg", {"comm_id": model_id, "data": {"method": "custom",
                                                                    "content": {"event": "click", "data": {}}}})
        return clicked

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


async def settled_down(pages: list[PageClient]) -> None:
    """Wait until no page has had a message changing its widgets for :data:`QUIET` seconds."""
    while max(page.last_change for page in pages) > time.time() - QUIET:
        await asyncio.sleep(0.25)


async def clients(args: argparse.Namespace, url: str, teacher_token: str, tokens: list[str],
                  pid: int) -> tuple[list[list[float]], list[list[float]], list[float]]:
    """With a websocket client per page: for each advance, when each student's page showed the new
    round and made its last change, and the server's CPU time for it."""
    opened = time.perf_counter()
    teacher = PageClient(url, f"teacher={teacher_token}")
    students = [PageClient(url, f"seat={token}") for token in tokens]
    for page in [teacher, *students]:
        await page.open()
    await asyncio.gather(*(page.wait_for("Waiting for the teacher to start") for page in students))
    await teacher.wait_for("Teacher's console")
    print(f"{len(students)} students' pages and the console open (websocket clients) in "
          f"{time.perf_counter() - opened:.1f} s")
    await teacher.click("Start the game")
    await asyncio.gather(*(page.wait_for("Round 1 of 40") for page in students))
    delays, settled, server_cpu = [], [], []
    for r in range(2, args.rounds + 2):
        await settled_down(students)       # the last round's (or the start's) whole redraw done
        used = cpu_seconds(pid)
        clicked = await teacher.click("Advance the round")
        await asyncio.gather(*(page.wait_for(f"Round {r} of") for page in students))
        await settled_down(students)
        delays.append([page.seen(f"Round {r} of", clicked) - clicked for page in students])
        settled.append([page.last_change - clicked for page in students])
        server_cpu.append(cpu_seconds(pid) - used)
    for page in [teacher, *students]:
        await page.close()
    return delays, settled, server_cpu


def in_process(args: argparse.Namespace) -> list[list[float]]:
    """For each advance, the seconds until each view (students' and the console) finished redrawing."""
    import solara

    from tppgame.classroom import class_session, room_registry
    from tppgame.classroom.rooms import Settings
    from tppgame.classroom.seat_view import StudentView
    from tppgame.classroom.teacher_console import TeacherConsole

    import reacton.core

    class_session.fast_renderer()         # as the class server's app does
    finished: dict[int, float] = {}       # view (its render context) -> when its last listener ended
    subscribe = room_registry.Registry.subscribe

    def timed(registry, room_id, listener, first=False):
        """A view's listeners (its round line's and the page's), timed together: the view has redrawn
        when the later of them ends (either may leave the render to the other, running at once)."""
        view = id(reacton.core.get_render_context(required=False))

        def told() -> None:
            listener()
            finished[view] = max(finished.get(view, 0.0), time.perf_counter())
        return subscribe(registry, room_id, told, first)

    room_registry.Registry.subscribe = timed
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
            delays.append([t - clicked for t in finished.values()])
            assert len(finished) == len(views), (len(finished), len(views))
        for _, context in drawn:
            context.close()
        registry.store.close()
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--clients", action="store_true",
                      help="a websocket client per page instead of a browser (the server's work for a class)")
    mode.add_argument("--in-process", action="store_true",
                      help="draw the views in this process, without browsers or websockets (the server's part alone)")
    args = parser.parse_args()
    if args.in_process:
        report(args, "each view (the students' and the console) has redrawn, in this process", in_process(args),
               start="the advance")
        return
    with tempfile.TemporaryDirectory() as folder:
        db, port = Path(folder) / "class.sqlite", free_port()
        teacher_token, tokens = make_room(db, args.students)
        proc = serve(db, port)
        url = f"http://127.0.0.1:{port}/"
        try:
            if args.clients:
                delays, settled, server_cpu = asyncio.run(clients(args, url, teacher_token, tokens, proc.pid))
            else:
                delays, settled, server_cpu = browsers(args, url, teacher_token, tokens, proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    pages = "websocket client" if args.clients else "page"
    report(args, f"each student's {pages} shows the new round", delays)
    report(args, f"each student's {pages} stops changing (its last change for the round)", settled)
    print("the server's CPU time per advance (the click until every page stopped changing), seconds: "
          + " ".join(f"{t:.2f}" for t in server_cpu))


def quiet(pages, r: int) -> None:
    """Wait until no page has changed for :data:`QUIET` seconds since it showed round ``r``."""
    while max(page.evaluate(f"window.__last[{r}]") for page in pages) > time.time() * 1000 - QUIET * 1000:
        time.sleep(0.5)


def browsers(args: argparse.Namespace, url: str, teacher_token: str, tokens: list[str],
             pid: int) -> tuple[list[list[float]], list[list[float]], list[float]]:
    """With a chromium context per page: for each advance, when each student's page showed the new
    round and made its last change (its own MutationObserver's clock), and the server's CPU time for it."""
    from playwright.sync_api import sync_playwright

    delays: list[list[float]] = []
    settled: list[list[float]] = []
    server_cpu: list[float] = []
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
        for page in students:
            page.evaluate(WATCH, 1)
        teacher.get_by_role("button", name="Start the game").click()
        for page in students:
            page.get_by_text("Round 1 of 40").wait_for(timeout=60_000)
        quiet(students, 1)          # the start's whole redraw done before the first advance
        for r in range(2, args.rounds + 2):
            for page in students:
                page.evaluate(WATCH, r)
            used = cpu_seconds(pid)
            clicked = time.time() * 1000
            teacher.get_by_role("button", name="Advance the round", exact=True).click()
            for page in students:
                page.wait_for_function(f"() => window.__seen && window.__seen[{r}]", timeout=60_000)
            quiet(students, r)
            delays.append([(page.evaluate(f"window.__seen[{r}]") - clicked) / 1000 for page in students])
            settled.append([(page.evaluate(f"window.__last[{r}]") - clicked) / 1000 for page in students])
            server_cpu.append(cpu_seconds(pid) - used)
        browser.close()
    return delays, settled, server_cpu


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
