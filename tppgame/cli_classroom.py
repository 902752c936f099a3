"""``python run.py classroom [SCENARIO] [--seed N] [--host 127.0.0.1] [--port 8765] [--db PATH]``: a class server.

Opens (or makes) the SQLite file of rooms, makes as many rooms as it lacks of ``--rooms``
(default 1), prints each room's join code, the join page's address and the
teacher's link (with its token), then serves the class pages
(:mod:`tppgame.classroom.class_pages`) with Solara. Started again on the same file, the server
restores every room as it stood (:mod:`tppgame.classroom.room_store`).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import sqlite3
import sys
from collections.abc import MutableMapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from tppgame.cli_args import Parser, UsageError, check_out_file, path_arg, seed_arg

try:
    import fcntl
except ImportError:        # no advisory locks (Windows): a second server on the same file is not caught
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from tppgame.classroom.rooms import Room

DEFAULT_DB = "classroom.sqlite"
NEW_ROOM_ARGS = ("scenario", "seed", "assign", "advance", "timer", "offers")    # what a new room is made with
CULL = "15s"


def classroom(argv: Sequence[str]) -> int:
    """``run.py classroom``: serve a class game (rooms with join codes, a teacher's console, students' seats)."""
    from tppgame.classroom.rooms import ADVANCE_POLICIES, ASSIGN_POLICIES
    from tppgame.game.seats import MOST_OFFERS_PER_TALK, OFFERS_PER_TALK

    parser = Parser(prog="run.py classroom", description="Serve a class game: rooms with join codes, "
                    "a teacher's console and a seat per student (or delegation).")
    parser.add_argument("scenario", nargs="?", default=None, help="scenario name or TOML file (default baseline)")
    parser.add_argument("--seed", type=seed_arg, default=None, help="seed (default: the scenario's)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0 for a classroom network)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--db", type=path_arg("file"), default=Path(DEFAULT_DB),
                        help=f"the rooms' SQLite file (default {DEFAULT_DB})")
    parser.add_argument("--url", default=None, help="the address students type, if not http://HOST:PORT/")
    parser.add_argument("--rooms", type=int, default=1,
                        help="rooms (groups) the file should hold: as many as are missing are made (default 1)")
    parser.add_argument("--assign", choices=ASSIGN_POLICIES, default=None,
                        help="students pick their country, or the room assigns one (default pick)")
    parser.add_argument("--advance", choices=ADVANCE_POLICIES, default=None,
                        help="when a round advances: by the teacher's hand, when every seat has moved, "
                             "or on a timer (default teacher)")
    parser.add_argument("--timer", type=int, default=None, help="seconds a round with --advance timer (default 120)")
    parser.add_argument("--offers", type=int, default=None,
                        help="offers two students may exchange in a talk a round: offer, counter-offer, ... "
                             f"(default {OFFERS_PER_TALK})")
    args = parser.parse_args(list(argv))
    # what the command names itself, against what a room restored from the file keeps (see _restored)
    args.given = [key for key in NEW_ROOM_ARGS if getattr(args, key) is not None]
    for key, default in {"scenario": "baseline", "assign": "pick", "advance": "teacher", "timer": 120,
                         "offers": OFFERS_PER_TALK}.items():
        if getattr(args, key) is None:
            setattr(args, key, default)
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: expected a port number from 1 to 65535")
    if not 1 <= args.rooms <= 100:
        raise UsageError(f"--rooms {args.rooms}: expected a number of rooms from 1 to 100")
    if not 10 <= args.timer <= 3600:
        raise UsageError(f"--timer {args.timer}: expected whole seconds from 10 to 3600")
    if not 1 <= args.offers <= MOST_OFFERS_PER_TALK:
        raise UsageError(f"--offers {args.offers}: expected whole offers from 1 to {MOST_OFFERS_PER_TALK}")
    if args.url is not None and not args.url.strip():     # was taken as no --url: the links printed another address
        raise UsageError(f"--url {args.url!r}: expected the address students type, "
                         "such as http://classroom.local:8765/")
    if importlib.util.find_spec("solara") is None:
        raise UsageError("the class server needs the dashboard extra: pip install -e \".[dashboard]\"")
    _check_port(args.host, args.port)
    lock, rooms = _rooms(args)
    from tppgame.cli import host_warning

    warning = host_warning(args.host, "the class server")
    if warning:
        print(warning, file=sys.stderr, flush=True)
    url = args.url or server_url(args.host, args.port)
    print(f"Class server at {url}  (Ctrl+C stops it; the rooms are kept in {args.db})")
    for room in rooms:
        print(f"Room {room.code} ({room.scenario}, seed {room.seed}, {room.status}): "
              f"students join at {url}?code={room.code}")
        print(f"  teacher's console: {url}?teacher={room.teacher_token}")
    sys.stdout.flush()
    app = Path(__file__).parent / "classroom" / "class_app.py"
    # the pages' addresses; no "runs on Solara" banner (small print on a projected page); and a page
    # whose connection is gone (a closed laptop) is let go after CULL, so the console shows it as not
    # connected (its link, reopened, finds the same seat: everything lives in the room)
    os.environ.update({"TPPGAME_CLASS_DB": str(args.db.resolve()), "TPPGAME_CLASS_URL": url,
                       "SOLARA_THEME_SHOW_BANNER": "False", "SOLARA_KERNEL_CULL_TIMEOUT": CULL})
    quiet_server(os.environ)
    command = [sys.executable, "-m", "solara", "run", str(app), "--host", args.host, "--port", str(args.port),
               "--production", "--no-open", "--log-level", "warning"]
    # The server takes this process's place, so that stopping this process (Ctrl+C, a signal) stops the
    # server; it keeps the file's lock (an open file it inherits) until it stops.
    os.set_inheritable(lock.fileno(), True)
    try:
        os.execv(sys.executable, command)
    finally:           # reached only when execv fails, or where a test stands in for it
        lock.close()
    return 0


# Solara warns, on the first page a browser opens at an address other than "localhost", that its
# session cookie falls back to SameSite=Lax over http: fifteen lines on iframes and https on the
# teacher's terminal, about nothing the class's pages use (they are not embedded)
SOLARA_NOISE = "ignore:Cookies with samesite=none require https:UserWarning"


def quiet_server(environ: MutableMapping[str, str]) -> None:
    """Have the Solara server this process becomes leave out :data:`SOLARA_NOISE` (the user's own
    ``PYTHONWARNINGS`` kept before it)."""
    environ["PYTHONWARNINGS"] = ",".join(part for part in (environ.get("PYTHONWARNINGS"), SOLARA_NOISE) if part)


def server_url(host: str, port: int) -> str:
    """The address to print for a server listening on ``host``: this computer's name when it listens on
    every address (``http://0.0.0.0:8765/`` opens nothing on another machine), an IPv6 address in brackets."""
    shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def _check_port(host: str, port: int) -> None:
    """A clear line now rather than the server's error later. Like the server, the probe reuses an
    address whose last connections are still closing (a server restarted at once on its port);
    a port another program listens on is still refused."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            raise UsageError(f"--host {host} --port {port}: cannot listen there ({err.strerror})") from None


def _rooms(args: argparse.Namespace) -> tuple[IO[bytes], list[Room]]:
    """The file's rooms, restored, and as many new rooms as ``--rooms`` asks for beyond them; with
    the open file whose lock says a server serves it (a second server on the same file would
    keep its own copy of each room, and the two would write over each other's actions)."""
    from tppgame.classroom.room_registry import Registry
    from tppgame.classroom.rooms import Settings
    from tppgame.game.scenario import load_scenario

    check_out_file(args.db, option="--db")      # a folder, or a pipe (opening it to write would wait for a reader)
    scenario = args.scenario
    if scenario.endswith(".toml") or "/" in scenario:
        scenario = str(Path(scenario).resolve())
    named = load_scenario(scenario)         # a bad scenario is one line on stderr (ScenarioError), before any room
    try:
        lock = open(args.db, "ab")           # noqa: SIM115 - held while the server serves the file
    except OSError as err:
        raise UsageError(f"--db {args.db}: cannot use it as the rooms' file ({err.strerror or err})") from None
    if fcntl is not None:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise UsageError(f"--db {args.db}: another class server is serving it; stop that one "
                             "(Ctrl+C in its terminal), or give this one another --db") from None
    try:
        registry = Registry(args.db)
    except (sqlite3.DatabaseError, OSError) as err:     # not a rooms file, or not one this user can write
        lock.close()
        raise UsageError(f"--db {args.db}: cannot use it as the rooms' file ({err})") from None
    for code, why in registry.store.unrestored:
        print(f"warning: room {code} in {args.db} could not be restored ({why}); the other rooms are served",
              file=sys.stderr)
    rooms = list(registry.rooms.values())
    # what the command names itself, each room restored checked against it (the scenario by its file)
    asked = {key: named.file if key == "scenario" else getattr(args, key) for key in args.given}
    for room in rooms if asked else ():
        _restored(room, args, asked)
    while len(rooms) < args.rooms:
        rooms.append(registry.create(scenario, args.seed, Settings(args.assign, args.advance, args.timer, args.offers)))
    registry.store.close()
    return lock, rooms


def _restored(room: Room, args: argparse.Namespace, asked: dict[str, object]) -> None:
    """A warning when a room restored from the file differs from what the command names (``asked``: a
    teacher who gives another scenario on yesterday's file was served yesterday's room, the argument unread)."""
    from tppgame.game.scenario import load_scenario

    kept = {"scenario": load_scenario(room.scenario).file, "seed": room.seed, **vars(room.settings)}
    differ = [key for key, value in asked.items() if value != kept[key]]
    kept["scenario"] = room.scenario
    if differ:
        def shown(key: str, value: object) -> str:
            return str(value) if key == "scenario" else f"--{key} {value}"
        print(f"warning: room {room.code} in {args.db} is restored as it stood, with "
              f"{', '.join(shown(key, kept[key]) for key in differ)}: the command's "
              f"{', '.join(shown(key, args.scenario if key == 'scenario' else asked[key]) for key in differ)} "
              "apply to new rooms only (for a new class, give another --db)", file=sys.stderr)
