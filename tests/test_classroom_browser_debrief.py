"""The class server in a real headless chromium, offline, with two rooms: two students negotiate a
talk with each other (an offer, a counter-offer, the counter taken), the teacher ends the game, a
student downloads the debrief's PDF handout and sees the handout in the page, and the teacher's
console leads to the page comparing the class's rooms, which a student's link does not open.
Screenshots go to ``test-artifacts/classroom/``.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

# expect and sync_playwright are playwright's, imported there (which skips these tests without it)
from test_classroom_browser import (
    ARTIFACTS,
    CHROMIUM,
    US_JAPAN,
    Offline,
    _join,
    _offer_in,
    _press,
    expect,
    served,
    sync_playwright,
)


@pytest.fixture()
def two_rooms(tmp_path):
    pytest.importorskip("reportlab")
    yield from served(tmp_path / "class.sqlite", "--rooms", "2", "--offers", "4")


def _counter(page, talk: str) -> None:
    """Answer the other player's offer in a talk with the counter-offer the sliders hold (they start
    from the offer standing); press again if the page warns it gives less than the country needs."""
    page.get_by_role("button", name=talk, exact=True).click()
    page.get_by_text("Offers left in this talk this round (both sides)").wait_for()
    page.get_by_role("button", name="Make counter-offer").click()
    waiting = page.get_by_text(re.compile(f"{re.escape(talk)} with \\w+: your offer waits for the other player"))
    warning = page.get_by_text("Press the button again to go ahead")
    expect(warning.or_(waiting)).to_be_visible()
    if warning.count():
        page.get_by_role("button", name="Make counter-offer").click()
    waiting.wait_for(timeout=30_000)


def test_two_students_counter_offer_and_the_class_gets_its_debrief_and_comparison(two_rooms):
    server = two_rooms
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    codes = re.findall(r"Room (\w{6}) \(", server.printed)
    tokens = re.findall(r"\?teacher=(\S+)", server.printed)
    assert len(codes) == len(tokens) == 2
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        net = Offline(browser)
        try:
            teacher = net.page()
            teacher.goto(f"{server.url}?teacher={tokens[0]}")
            teacher.get_by_text(f"Teacher's console — room {codes[0]}").wait_for(timeout=60_000)
            students = {}
            for name, country in (("Ana", "JPN"), ("Ben", "USA")):
                page = net.page()
                _join(page, server.url, codes[0], name)
                page.get_by_role("button", name=re.compile(f"^{country} ")).click()
                page.get_by_text(f"{name} — ").filter(has_text=f"({country})").wait_for()
                students[name] = page
            ana, ben = students["Ana"], students["Ben"]
            teacher.get_by_text("● Ben").wait_for(timeout=30_000)
            teacher.get_by_role("button", name="Start the game").click()
            for page in (ana, ben):
                page.get_by_text("Your talks this round").wait_for(timeout=30_000)

            _offer_in(ana, US_JAPAN)                                   # Japan offers...
            ben.get_by_role("button", name=US_JAPAN, exact=True).click()
            ben.get_by_text(f"{US_JAPAN} with JPN: the other player's offer waits for you").wait_for(timeout=30_000)
            expect(ben.get_by_text("Offers left in this talk this round (both sides): 3 of 4")).to_be_visible()
            _counter(ben, US_JAPAN)                                    # ...the US counters...
            ana.get_by_text(f"{US_JAPAN} with USA: the other player's offer waits for you").wait_for(timeout=30_000)
            ana.get_by_text("Offer standing from USA").wait_for()
            expect(ana.get_by_role("button", name="Make counter-offer")).to_be_enabled()   # 2 offers left
            _press(ana, "Take their offer")                             # ...and Japan takes the counter
            ana.get_by_text(f"{US_JAPAN} with USA: deal closed").wait_for(timeout=30_000)
            ben.get_by_text(f"{US_JAPAN} with JPN: deal closed").wait_for(timeout=30_000)
            log = teacher.locator(".v-card", has_text="Room log")
            expect(log).to_contain_text(f"Ben (USA) made a counter-offer in {US_JAPAN}")
            expect(log).to_contain_text(f"Ana (JPN) took the offer in {US_JAPAN}")
            ana.screenshot(path=str(ARTIFACTS / "student_counter_offer_taken.png"), full_page=True)

            teacher.get_by_role("button", name="End the game").click()
            debrief = ana.locator(".v-card", has_text="Debrief")
            debrief.get_by_role("button", name="Handout (PDF)").wait_for(timeout=30_000)
            with ana.expect_download() as download:
                debrief.get_by_role("button", name="Handout (PDF)").click()
            pdf = Path(download.value.path()).read_bytes()
            assert pdf.startswith(b"%PDF") and download.value.suggested_filename == f"debrief-{codes[0]}.pdf"
            debrief.get_by_role("button", name="Show the handout here").click()
            handout = ana.frame_locator("iframe.tpp-debrief")
            expect(handout.locator("h1")).to_contain_text(f"Room {codes[0]}")
            expect(handout.locator("body")).to_contain_text("Ana")
            ana.screenshot(path=str(ARTIFACTS / "student_debrief_handout.png"), full_page=True)

            link = teacher.get_by_role("link", name="Compare the class's 2 rooms")
            href = link.get_attribute("href")
            assert href.endswith(f"?compare={tokens[0]}")
            teacher.goto(href)
            teacher.get_by_text("The class's 2 rooms compared").wait_for(timeout=60_000)
            expect(teacher.get_by_role("cell", name=f"Room {codes[0]} (ended)").first).to_be_visible()
            expect(teacher.get_by_text(f"Not started yet: Room {codes[1]}.")).to_be_visible()
            with teacher.expect_download() as download:
                teacher.get_by_role("button", name="Comparison (CSV)").click()
            rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
            assert [r["game"] for r in rows] == [f"Room {codes[0]} (ended)"]
            teacher.screenshot(path=str(ARTIFACTS / "class_comparison.png"), full_page=True)

            intruder = net.page()                         # a student's link does not open the comparison
            intruder.goto(f"{server.url}?compare={ana.url.split('seat=')[1]}")
            intruder.get_by_text("This link opens no room on this server").wait_for(timeout=60_000)
            assert intruder.get_by_text("compared").count() == 0
        except Exception:
            net.keep_screens()
            raise
        browser.close()
    net.assert_stayed_on_machine()
