"""The sandbox in Debian's Chromium: a support lead's first five minutes, clicked through.

Playwright drives /usr/bin/chromium (never a downloaded browser). The page is the emulator's
minimal Slack; everything it does reaches the bot as Slack's signed requests.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

from tests.e2e.sandbox_run import ROOT, SandboxRun
from tobitbot.sandbox_stack import why_no_samba

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = ROOT / "test-artifacts" / "sandbox.png"
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is not installed: run scripts/install-system.sh")
    if shutil.which("redis-server") is None or why_no_samba() is not None:
        pytest.skip("the sandbox needs redis-server and samba (as root): "
                    "run scripts/install-system.sh")
    run = SandboxRun(tmp_path_factory.mktemp("sandbox") / "data").start().wait_ready()
    yield run
    run.stop()


@pytest.fixture
def page(sandbox):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.set_default_timeout(WAIT_MS)
        playwright_api.expect.set_options(timeout=WAIT_MS)  # jobs run in real AD: seconds, not ms
        yield page
        browser.close()


def _say(page, text: str) -> None:
    page.fill("#compose", text)
    page.press("#compose", "Enter")


def _message(page, text: str):
    """The top-level message in the open channel that contains `text`."""
    return page.locator("#messages > .msg", has_text=text).last


def _switch(page, user_id: str) -> None:
    page.select_option("#user", user_id)
    page.wait_for_function("id => new URLSearchParams(location.search).get('user') === id",
                           arg=user_id)


def test_operator_adds_a_user_and_an_approver_approves_a_risky_command(sandbox, page):
    expect = pytest.importorskip("playwright.sync_api").expect
    page.goto(sandbox.web_url + "?user=U_OPERATOR&channel=C_SUPPORT")
    expect(page.locator("#channel-header")).to_have_text("#support")
    expect(page.locator("#notice")).to_contain_text("Tobit is a simulator")

    # an operator adds a user: the request message, then its job thread reports done
    _say(page, '/tobit add-user acme "Jane Doe"')
    request = _message(page, 'add-user acme "Jane Doe"')
    expect(request).to_contain_text("Plan")
    request.locator(".replies").click()
    expect(page.locator("#thread-messages")).to_contain_text("Done")
    # the new password is an ephemeral message: the operator sees it, nobody else
    password = page.locator(".msg.ephemeral", has_text="New password for")
    expect(password).to_have_count(1)
    sam = re.search(r"New password for (\S+?):", password.inner_text()).group(1)

    # a button with a confirm dialog sends block_actions only once confirmed
    _say(page, f"/tobit remove-user acme {sam} mail=export")
    doomed = _message(page, f"remove-user acme {sam} mail=export")
    expect(doomed).to_contain_text("needs approval")
    _switch(page, "U_APPROVER")
    doomed = _message(page, f"remove-user acme {sam} mail=export")
    doomed.locator("button[data-action-id=tobit_reject]").click()
    expect(page.locator("#confirm")).to_be_visible()
    page.click("#confirm-ok")
    expect(doomed).to_contain_text("Rejected by")

    # a risky command waits for a second person
    _switch(page, "U_OPERATOR")
    _say(page, f"/tobit reset-password acme {sam}")
    risky = _message(page, f"reset-password acme {sam}")
    expect(risky).to_contain_text("needs approval")
    expect(risky.locator("button[data-action-id]")).not_to_have_count(0)

    # an approver approves with a reaction, through the page's emoji picker
    _switch(page, "U_APPROVER")
    expect(page.locator(".msg.ephemeral", has_text="New password for")).to_have_count(0)
    risky = _message(page, f"reset-password acme {sam}")
    risky.locator(".add-reaction").click()
    risky.locator(".picker [data-emoji=white_check_mark]").click()
    expect(risky.locator(".reaction[data-reaction=white_check_mark]")).to_contain_text("1")
    expect(risky).to_contain_text("Approved by")
    risky.locator(".replies").click()
    expect(page.locator("#thread-messages")).to_contain_text("Done")

    # the audit channel shows both requests and the approval
    page.click("#channels a[data-channel-name=tobit-audit]")
    expect(page.locator("#channel-header")).to_have_text("#tobit-audit")
    audit = page.locator("#messages")
    expect(audit).to_contain_text("add-user")
    expect(audit).to_contain_text("reset-password")
    expect(audit).to_contain_text("approv")
    expect(audit).to_contain_text("reject")

    # back in #support as the operator, the approved request's thread open, for the README
    _switch(page, "U_OPERATOR")
    page.click("#channels a[data-channel-name=support]")
    _message(page, f"reset-password acme {sam}").locator(".replies").click()
    expect(page.locator("#thread-messages")).to_contain_text("Done")
    page.mouse.move(5, 500)  # no hover toolbar in the picture
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000

    # message text is shown as text, never run as HTML
    _say(page, '<img src=x onerror="window.pwned=1"> *plain* message')
    expect(_message(page, "plain message")).to_contain_text('<img src=x onerror="window.pwned=1">')
    assert page.locator("#messages img").count() == 0 and page.evaluate("window.pwned") is None


def test_app_home_opens_the_add_user_modal_which_shows_refusals_by_field(sandbox, page):
    expect = pytest.importorskip("playwright.sync_api").expect
    page.goto(sandbox.web_url + "?user=U_OPERATOR&channel=C_SUPPORT")
    page.click("[data-testid=app-home]")
    expect(page.locator("#messages")).to_contain_text("Your roles")
    expect(page.locator("#messages")).to_contain_text("operator")

    page.click("#messages button[data-action-id=tobit_add_user_open]")
    modal = page.locator("#modal")
    expect(modal).to_contain_text("Add a Tobit user")
    page.fill("#input-customer", "acmee")
    page.fill("#input-first", "Max")
    page.fill("#input-last", "Mustermann")
    page.click("#modal-submit")
    expect(modal.locator("[data-block-id=customer] .error")).to_contain_text("Unknown customer")
    assert page.input_value("#input-last") == "Mustermann"      # what was typed stays
    page.screenshot(path=str(SCREENSHOT.with_name("sandbox-modal.png")))

    page.fill("#input-customer", "acme")
    page.click("#modal-submit")
    expect(modal).to_be_hidden()
    page.click("#channels a[data-channel-name=support]")
    request = _message(page, 'add-user acme "Max Mustermann"')
    expect(request).to_contain_text("Plan")
    request.locator(".replies").click()
    expect(page.locator("#thread-messages")).to_contain_text("Done")


def test_the_shortcut_opens_the_same_modal_and_cancel_closes_it(sandbox, page):
    expect = pytest.importorskip("playwright.sync_api").expect
    page.goto(sandbox.web_url + "?user=U_OPERATOR&channel=C_SUPPORT")
    page.click("#shortcuts a[data-callback-id=tobit_add_user]")
    expect(page.locator("#modal")).to_contain_text("Add a Tobit user")
    page.click("#modal-close")
    expect(page.locator("#modal")).to_be_hidden()
