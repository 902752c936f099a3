"""The class benchmark's websocket-client mode (``benchmarks/bench_classroom.py --clients``): its
reading of Solara's kernel messages, and one real class server driven by its clients (a student's
client sees the round the teacher's client advances to, through the server's normal path)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("solara")
pytest.importorskip("websockets")

from solara.server.kernel import serialize_binary_message

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("bench_classroom", REPO / "benchmarks" / "bench_classroom.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def widget_message(kind: str, comm_id: str, data: dict, target: str | None = None) -> dict:
    content = {"comm_id": comm_id, "data": data, **({"target_name": target} if target else {})}
    return {"header": {"msg_type": kind}, "msg_type": kind, "content": content, "channel": "iopub"}


def test_a_text_message_is_its_json():
    message = widget_message("comm_msg", "a1", {"method": "update", "state": {"v_model": 0.25}})
    assert bench.wire_message(json.dumps(message)) == message


def test_a_binary_message_is_read_as_solara_writes_it():
    message = widget_message("comm_msg", "a1", {"method": "update", "state": {}, "buffer_paths": [["x"]]})
    wire = serialize_binary_message({**message, "buffers": [b"\x01\x02\x03", b"four"]})
    read = bench.wire_message(wire)
    assert read["buffers"] == [b"\x01\x02\x03", b"four"]
    assert {k: v for k, v in read.items() if k != "buffers"} == message


def test_widgets_follow_opens_updates_and_closes():
    widgets = bench.Widgets()
    assert widgets.apply(widget_message("comm_open", "s1", {"state": {"unsafe_innerHTML": "<p>Round 1 of 40.</p>"}},
                                        "jupyter.widget"))
    assert widgets.apply(widget_message("comm_open", "b1", {"state": {"_model_name": "BtnModel", "disabled": True,
                                                                      "children": ["Advance the round"]}},
                                        "jupyter.widget"))
    assert widgets.shows("Round 1 of") and not widgets.shows("Round 2 of")
    assert widgets.button("Advance the round") is None              # disabled: not clickable
    assert widgets.apply(widget_message("comm_msg", "b1", {"method": "update", "state": {"disabled": False}}))
    assert widgets.button("Advance the round") == "b1"
    assert widgets.apply(widget_message("comm_msg", "s1", {"method": "update",
                                                           "state": {"unsafe_innerHTML": "<p>Round 2 of 40.</p>"}}))
    assert widgets.shows("Round 2 of") and not widgets.shows("Round 1 of")
    assert widgets.apply(widget_message("comm_close", "s1", {}))
    assert not widgets.shows("Round 2 of")
    # the control comm's messages and kernel status are not widgets
    assert not widgets.apply(widget_message("comm_msg", "control", {"method": "finished"}))
    assert not widgets.apply({"header": {"msg_type": "status"}, "content": {"execution_state": "idle"}})


def test_a_kernel_message_is_what_solaras_server_reads():
    sent = json.loads(bench.kernel_message("comm_msg", {"comm_id": "c", "data": {"method": "run"}}, "page-1"))
    assert sent["header"]["msg_type"] == "comm_msg" and sent["header"]["session"] == "page-1"
    assert sent["channel"] == "shell" and sent["content"]["data"] == {"method": "run"}


def test_clients_open_real_sessions_and_see_the_round_the_teacher_advances_to():
    """Two students and the teacher as websocket clients of ``run.py classroom``: each student's page
    waits for the start, and shows round 2 after the teacher's client clicks "Advance the round"."""

    async def play(url: str, teacher_token: str, tokens: list[str]) -> list[float]:
        teacher = bench.PageClient(url, f"teacher={teacher_token}")
        students = [bench.PageClient(url, f"seat={token}") for token in tokens]
        for page in [teacher, *students]:
            await page.open()
        await asyncio.gather(*(page.wait_for("Waiting for the teacher to start", 90) for page in students))
        await teacher.click("Start the game")
        await asyncio.gather(*(page.wait_for("Round 1 of 40", 90) for page in students))
        clicked = await teacher.click("Advance the round")
        await asyncio.gather(*(page.wait_for("Round 2 of 40", 90) for page in students))
        seen = [page.seen("Round 2 of", clicked) for page in students]
        for page in [teacher, *students]:
            await page.close()
        return [t - clicked for t in seen]

    with tempfile.TemporaryDirectory() as folder:
        db, port = Path(folder) / "class.sqlite", bench.free_port()
        teacher_token, tokens = bench.make_room(db, 2)
        proc = bench.serve(db, port)
        try:
            delays = asyncio.run(play(f"http://127.0.0.1:{port}/", teacher_token, tokens))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    assert len(delays) == 2 and all(d >= 0 for d in delays)
