"""The web UI in a real browser: headless Chromium driven through chromedriver by Selenium.

Started by scripts/browser-tests, which runs seatd and boxoffice with the sample data on
loopback and passes BOXOFFICE_URL and ARTIFACTS (a folder for screenshots). Every wait is
bounded; a failure leaves the screenshot of the step it failed at.
"""

import email
import email.policy
import glob
import json
import os
import re
import random
import statistics
import time
import unittest
import urllib.error
import urllib.request

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["BOXOFFICE_URL"].rstrip("/")
ARTIFACTS = os.environ["ARTIFACTS"]
SEED = int(os.environ.get("BROWSER_SEED", str(random.randrange(1 << 30))))
WAIT_SECONDS = 15
# The first recommendation model from the sample viewers takes seconds in a debug build.
MODEL_BUILD_SECONDS = 120
PAGE_BUDGET_BYTES = 150 * 1024
print(f"browser tests: seed {SEED}, screenshots in {ARTIFACTS}", flush=True)
rng = random.Random(SEED)


def browser(width, height):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}"):
        options.add_argument(argument)
    # The chromedriver from Debian, named so Selenium never tries to download one.
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    if width < 500:
        # Headless windows are at least 500 pixels wide: a phone's viewport is emulated.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True})
    return driver


def api(method, path, body=None, token=None, timeout=WAIT_SECONDS):
    """The JSON API, as another customer's app would call it."""
    request = urllib.request.Request(BASE + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def api_customer():
    email = f"rival-{rng.randrange(1 << 40):x}@example.com"
    status, _ = api("POST", "/api/v1/accounts", {"email": email, "password": "a rival's long passphrase", "name": "Rival"})
    assert status == 201, status
    status, tokens = api("POST", "/api/v1/auth/login", {"email": email, "password": "a rival's long passphrase"})
    assert status == 200, status
    return tokens["accessToken"]


class BrowserSteps(unittest.TestCase):
    """Steps the tests share: screenshots, bounded waits, signing up, finding a showtime."""

    def setUp(self):
        self.shots = 0

    def shot(self, driver, name):
        self.shots += 1
        driver.save_screenshot(os.path.join(ARTIFACTS, f"{self.id().split('.')[-1]}-{self.shots:02d}-{name}.png"))

    def wait(self, driver, condition, message):
        try:
            return WebDriverWait(driver, WAIT_SECONDS).until(condition)
        except TimeoutException:
            self.shot(driver, "timeout")
            self.fail(f"{message} (current page {driver.current_url})")

    def sign_up(self, driver, viewport):
        driver.get(BASE + "/")
        self.wait(driver, seen.element_to_be_clickable((By.LINK_TEXT, "Sign in")), "the home page's sign-in link").click()
        self.wait(driver, seen.element_to_be_clickable((By.LINK_TEXT, "Create an account")), "the sign-up link").click()
        email = f"{viewport}-{rng.randrange(1 << 40):x}@example.com"
        driver.find_element(By.ID, "name").send_keys("Asha Rao")
        driver.find_element(By.ID, "email").send_keys(email)
        driver.find_element(By.ID, "password").send_keys("four words make a password")
        self.shot(driver, "sign-up")
        driver.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]").submit()
        self.wait(driver, seen.presence_of_element_located((By.LINK_TEXT, "My bookings")), "signed in after sign-up")
        cookies = {cookie["name"]: cookie for cookie in driver.get_cookies()}
        for name in ("bo_access", "bo_refresh", "bo_csrf"):
            self.assertTrue(cookies[name]["httpOnly"], f"{name} is HttpOnly")
            self.assertEqual(cookies[name]["sameSite"], "Lax", f"{name} is SameSite=Lax")
        return email

    def open_showtime_by_search(self, driver):
        box = driver.find_element(By.ID, "site-search")
        box.send_keys("Opennheimer")  # one letter too many
        box.send_keys(Keys.ENTER)
        # The page searched from may list the film too: wait for the results page itself.
        self.wait(driver, seen.url_contains("/search?"), "the search results page")
        link = self.wait(driver, seen.element_to_be_clickable((By.PARTIAL_LINK_TEXT, "Oppenheimer")),
                         "the typo still finds Oppenheimer")
        self.shot(driver, "search")
        link.click()
        self.wait(driver, seen.presence_of_element_located((By.ID, "showtimes")), "the movie page")
        self.shot(driver, "movie")
        times = driver.find_elements(By.CSS_SELECTOR, "a.time")
        self.assertTrue(times, "the movie has showtimes")
        # A later showtime than the first, so that the phone's and the desktop's runs do not meet.
        driver.get(times[min(len(times) - 1, rng.randrange(2, 12))].get_attribute("href"))
        self.wait(driver, seen.presence_of_element_located((By.CSS_SELECTOR, "svg.seatmap")), "the seat map")
        self.wait(driver, lambda d: not d.find_element(By.ID, "selection-form").get_attribute("hidden"),
                  "the seat map's script ran")

    def assert_accessible(self, driver):
        """The page passes our own checks (ACCESSIBILITY_CHECKS) and axe-core's (the copy PyPI's
        axe-selenium-python bundles) without a serious or critical finding; lesser ones are printed."""
        page = driver.current_url.replace(BASE, "")
        problems = driver.execute_script(ACCESSIBILITY_CHECKS)
        self.assertEqual(problems, [], f"{page}: {problems}")
        axe = Axe(driver)
        axe.inject()
        findings = axe.run()["violations"]
        for finding in findings:
            print(f"axe on {page}: {finding['impact']} {finding['id']}: {finding['help']} ({len(finding['nodes'])} elements)", flush=True)
        self.assertEqual([f"{f['id']} ({f['impact']})" for f in findings if f["impact"] in ("serious", "critical")], [], page)

    def free_seats(self, driver):
        return driver.find_elements(By.CSS_SELECTOR, "svg.seatmap .seat.free:not(.accessible):not(.companion)")


class Journey(BrowserSteps):
    """Sign up, search with a typo, pick seats by pointer and keyboard, watch a seat go live,
    pay, see the ticket, cancel and see the refund; at a desktop size and a phone's."""

    viewports = {"desktop": (1280, 900), "phone": (390, 844)}

    def test_journey(self):
        for viewport, (width, height) in self.viewports.items():
            with self.subTest(viewport=viewport):
                driver = browser(width, height)
                try:
                    self.journey(driver, viewport)
                finally:
                    driver.quit()

    def journey(self, driver, viewport):
        self.sign_up(driver, viewport)
        self.open_showtime_by_search(driver)
        self.shot(driver, "seat-map")
        showtime_id = driver.current_url.rstrip("/").split("/")[-1]

        # By pointer: a seat in the middle of a row.
        seats = self.free_seats(driver)
        first = seats[len(seats) // 2]
        driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", first)
        first.click()
        self.assertEqual(first.get_attribute("aria-checked"), "true")
        # By keyboard: the next seat to the right, with the arrow key and Space.
        first.send_keys(Keys.ARROW_RIGHT)
        focused = driver.switch_to.active_element
        self.assertNotEqual(focused.get_attribute("data-label"), first.get_attribute("data-label"))
        focused.send_keys(Keys.SPACE)
        self.assertEqual(focused.get_attribute("aria-checked"), "true")
        chosen = [first.get_attribute("data-label"), focused.get_attribute("data-label")]
        summary = driver.find_element(By.ID, "selection-summary").text
        self.assertIn("2 seats", summary)
        self.shot(driver, "chosen")

        # Live: another customer holds a seat through the API; the open page shows it taken.
        # The first seat of another row: holding it alone leaves nobody a single-seat gap.
        rival_seat = next(s for s in self.free_seats(driver)
                          if s.get_attribute("data-label")[1:] == "1" and s.get_attribute("data-label")[0] not in {c[0] for c in chosen})
        label = rival_seat.get_attribute("data-label")
        status, order = api("POST", f"/api/v1/showtimes/{showtime_id}/orders", {"seats": [label]}, api_customer())
        self.assertEqual(status, 201, order)
        self.wait(driver, lambda d: "held" in rival_seat.get_attribute("class").split(),
                  f"{label} turns held on the open page")
        self.assertEqual(rival_seat.get_attribute("aria-disabled"), "true")
        self.shot(driver, "live-change")

        hold = driver.find_element(By.ID, "hold-selected")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", hold)
        hold.click()
        self.wait(driver, seen.presence_of_element_located((By.ID, "countdown")), "checkout with the hold's countdown")
        self.assertEqual(sorted(driver.find_element(By.ID, "order-seats").text.split(", ")), sorted(chosen))
        self.wait(driver, lambda d: "held for" in d.find_element(By.ID, "countdown").text, "the countdown ticks")
        self.shot(driver, "checkout")
        self.assert_accessible(driver)

        driver.find_element(By.ID, "card").send_keys("4242 4242 4242 4242")
        driver.find_element(By.ID, "pay-button").click()
        code = self.wait(driver, seen.presence_of_element_located((By.ID, "booking-code")), "the confirmation")
        self.assertRegex(code.text, r"^[0-9A-Z]{12}$")
        self.assertTrue(driver.find_elements(By.CSS_SELECTOR, ".ticket svg"), "the ticket's QR code")
        self.shot(driver, "confirmed")
        self.assert_accessible(driver)

        driver.find_element(By.LINK_TEXT, "Cancel this booking").click()
        refund = self.wait(driver, seen.presence_of_element_located((By.ID, "cancel-refund")), "the cancellation terms").text
        self.assertTrue(refund, "the refund is stated before confirming")
        self.shot(driver, "cancel-terms")
        driver.find_element(By.ID, "confirm-cancel").click()
        status_text = self.wait(driver, seen.presence_of_element_located((By.ID, "refund-status")), "the cancelled booking").text
        self.assertIn(refund, status_text)
        self.shot(driver, "cancelled")

        driver.find_element(By.LINK_TEXT, "My bookings").click()
        self.wait(driver, seen.presence_of_element_located((By.CSS_SELECTOR, ".bookings a")), "my bookings list")
        self.assertIn("Cancelled", driver.find_element(By.CSS_SELECTOR, ".bookings").text)

        # Another customer's order is nobody else's business: not found, not forbidden.
        driver.get(f"{BASE}/orders/{order['id']}")
        self.assertEqual(driver.find_element(By.TAG_NAME, "h1").text, "Not found")


class Recommendations(BrowserSteps):
    """Recommendations on the home, movie and order pages, each explained; "Not interested" takes one away."""

    def test_recommended_for_you_is_explained_and_not_interested_removes_one(self):
        # Pages show no recommendations while the first model is being built (begun as the server
        # starts); the JSON API waits for it.
        status, _ = api("GET", "/api/v1/recommendations?city=Pune", timeout=MODEL_BUILD_SECONDS)
        self.assertEqual(status, 200)
        driver = browser(390, 844)
        try:
            self.sign_up(driver, "recommended")
            driver.get(BASE + "/?city=Pune")
            heading = self.wait(driver, seen.presence_of_element_located((By.ID, "recommended")), "the recommendations")
            self.assertEqual(heading.text, "Recommended for you")
            cards = driver.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=recommended] .card")
            self.assertGreaterEqual(len(cards), 4)
            for card in cards:
                self.assertTrue(card.find_element(By.CSS_SELECTOR, ".card-reason").text, "every recommendation says why")
            dismissed = cards[0].find_element(By.CSS_SELECTOR, ".card-title").text
            self.shot(driver, "recommended")
            self.assert_accessible(driver)

            button = cards[0].find_element(By.CSS_SELECTOR, ".dismiss button")
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
            button.click()
            self.wait(driver, seen.staleness_of(button), "the page after Not interested")
            self.wait(driver, seen.presence_of_element_located((By.ID, "recommended")), "the recommendations again")
            titles = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=recommended] .card-title")]
            self.assertNotIn(dismissed, titles)
            self.shot(driver, "after-dismissal")

            # A movie's page lists what is often chosen with it (from the sample viewers' visits).
            driver.get(driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=recommended] .card a").get_attribute("href"))
            self.wait(driver, seen.presence_of_element_located((By.ID, "also-chosen")), "often chosen with this movie")
            self.assertTrue(driver.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=also-chosen] .card"))
            self.shot(driver, "often-chosen")
        finally:
            driver.quit()


class PaymentPaths(BrowserSteps):
    """A declined card keeps the seats held for another try; 3-D Secure goes through the bank's page."""

    def setUp(self):
        super().setUp()
        self.driver = browser(1280, 900)

    def tearDown(self):
        self.driver.quit()

    def hold_best_available(self):
        driver = self.driver
        self.sign_up(driver, "payer")
        self.open_showtime_by_search(driver)
        driver.find_element(By.ID, "hold-best").click()
        self.wait(driver, seen.presence_of_element_located((By.ID, "card")), "checkout")

    def test_declined_card_keeps_the_seats_held(self):
        self.hold_best_available()
        driver = self.driver
        driver.find_element(By.ID, "card").send_keys("4000000000000002")
        driver.find_element(By.ID, "pay-button").click()
        alert = self.wait(driver, seen.presence_of_element_located((By.ID, "order-error")), "the decline").text
        self.assertIn("declined", alert)
        self.assertTrue(driver.find_elements(By.ID, "countdown"), "the seats are still held")
        self.shot(driver, "declined")
        driver.find_element(By.ID, "card").send_keys("4242424242424242")
        driver.find_element(By.ID, "pay-button").click()
        self.wait(driver, seen.presence_of_element_located((By.ID, "booking-code")), "paid with another card")

    def test_a_hold_that_runs_out_says_so_and_charges_nothing(self):
        # scripts/browser-tests holds seats for HOLD_SECONDS (30): the countdown reaches zero,
        # the page reloads and says what happened.
        self.hold_best_available()
        driver = self.driver
        notice = WebDriverWait(driver, int(os.environ.get("HOLD_SECONDS", "30")) + WAIT_SECONDS).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "p.notice"))[0].text
        self.shot(driver, "hold-ran-out")
        self.assertIn("ran out before payment", notice)
        self.assertIn("not charged", notice)
        self.assertFalse(driver.find_elements(By.ID, "card"), "no card form for an ended hold")
        self.assertTrue(driver.find_elements(By.LINK_TEXT, "Choose seats again"))

    def test_three_d_secure_through_the_bank_page(self):
        self.hold_best_available()
        driver = self.driver
        driver.find_element(By.ID, "card").send_keys("4000002500003155")
        driver.find_element(By.ID, "pay-button").click()
        approve = self.wait(driver, seen.element_to_be_clickable((By.ID, "bank-approve")), "the bank's page")
        self.shot(driver, "bank")
        approve.click()
        self.wait(driver, seen.presence_of_element_located((By.ID, "booking-code")), "confirmed after the bank")


def mail_to(address, subject, after=0.0):
    """The text of the newest mail to `address` with `subject`, from the box office's mail folder
    (it writes each message there as an .eml file), waiting for the outbox worker."""
    deadline = time.time() + WAIT_SECONDS
    while time.time() < deadline:
        for path in sorted(glob.glob(os.path.join(os.environ["MAIL_DIR"], "*.eml")), key=os.path.getmtime, reverse=True):
            if os.path.getmtime(path) < after:
                continue
            with open(path, "rb") as file:
                message = email.message_from_binary_file(file, policy=email.policy.default)
            if address in str(message["To"]) and str(message["Subject"]) == subject:
                return message.get_body(preferencelist=("plain",)).get_content()
        time.sleep(0.2)
    raise AssertionError(f"no mail “{subject}” to {address} within {WAIT_SECONDS} s")


class AccountJourney(BrowserSteps):
    """The account through the mails it sends: confirm the address from the verification mail,
    edit the profile, download the data, forget the password and set a new one from the reset
    mail, then delete the account."""

    def test_verify_edit_export_reset_and_delete(self):
        driver = browser(390, 844)
        try:
            address = self.sign_up(driver, "account")
            text = mail_to(address, "Confirm your email address")
            link = re.search(r"https?://\S+/verify-email\?token=\S+", text).group(0)
            driver.get(BASE + link[link.index("/verify-email"):])
            driver.find_element(By.ID, "verify").click()
            self.wait(driver, seen.title_contains("Email address confirmed"), "the address confirmed")
            self.shot(driver, "verified")

            driver.find_element(By.LINK_TEXT, "Account").click()
            self.assertEqual(driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=profile-title] .badge.ok").text, "verified")
            city = driver.find_element(By.ID, "profile-city")
            city.clear()
            city.send_keys("Pune")
            driver.find_element(By.ID, "genres").send_keys("Drama, Comedy")
            driver.find_element(By.CSS_SELECTOR, "form[action='/account/profile'] button").click()
            self.wait(driver, seen.text_to_be_present_in_element((By.CSS_SELECTOR, "p.notice"), "saved"), "the profile saved")
            self.assertEqual(driver.find_element(By.ID, "profile-city").get_attribute("value"), "Pune")
            exported = driver.execute_script("return fetch('/account/export').then(r => r.json())")
            self.assertEqual(exported["user"]["email"], address)
            self.assertEqual(exported["user"]["city"], "Pune")
            self.assertIn("account.email_verification", [m["topic"] for m in exported["messages"]])
            self.shot(driver, "account")
            self.assert_accessible(driver)

            driver.find_element(By.CSS_SELECTOR, "form[action='/signout'] button").click()
            # Signed out once the page after it shows "Sign in" (navigating sooner could abort the post).
            self.wait(driver, seen.presence_of_element_located((By.LINK_TEXT, "Sign in")), "signed out")
            driver.get(BASE + "/signin")
            driver.find_element(By.LINK_TEXT, "Forgot your password?").click()
            driver.find_element(By.ID, "email").send_keys(address)
            asked = time.time() - 1
            driver.find_element(By.CSS_SELECTOR, "form.stacked button").click()
            self.wait(driver, seen.title_contains("Check your email"), "the reset asked for")
            text = mail_to(address, "Set a new password", after=asked)
            link = re.search(r"https?://\S+/reset-password\?token=\S+", text).group(0)
            driver.get(BASE + link[link.index("/reset-password"):])
            driver.find_element(By.ID, "new-password").send_keys("a brand new pass phrase")
            driver.find_element(By.CSS_SELECTOR, "form.stacked button").click()
            self.wait(driver, seen.title_contains("Password changed"), "the new password set")
            driver.get(BASE + "/signin")
            driver.find_element(By.ID, "email").send_keys(address)
            driver.find_element(By.ID, "password").send_keys("a brand new pass phrase")
            driver.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]").click()
            self.wait(driver, seen.presence_of_element_located((By.LINK_TEXT, "My bookings")), "signed in with the new password")

            driver.get(BASE + "/account")
            driver.find_element(By.CSS_SELECTOR, "details summary").click()
            driver.find_element(By.ID, "delete-password").send_keys("a brand new pass phrase")
            driver.find_element(By.ID, "delete-account").click()
            self.wait(driver, seen.presence_of_element_located((By.LINK_TEXT, "Sign in")), "signed out by the deletion")
            status, _ = api("POST", "/api/v1/auth/login", {"email": address, "password": "a brand new pass phrase"})
            self.assertEqual(status, 401)
        finally:
            driver.quit()


class StaffJourney(BrowserSteps):
    """An admin schedules a showtime from a theatre's page, a customer books it, the admin
    cancels it and the page follows the refund."""

    def test_an_admin_schedules_a_showtime_and_cancels_it_with_the_refund_followed(self):
        driver = browser(1280, 900)
        try:
            driver.get(BASE + "/signin?next=/staff")
            driver.find_element(By.ID, "email").send_keys(os.environ["ADMIN_EMAIL"])
            driver.find_element(By.ID, "password").send_keys(os.environ["ADMIN_PASSWORD"])
            driver.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]").click()
            self.wait(driver, seen.element_to_be_clickable((By.CSS_SELECTOR, ".bookings a")), "the admin's theatres").click()
            self.wait(driver, seen.presence_of_element_located((By.ID, "schedule")), "the theatre's page")

            # A new screen from a layout document: previewed as customers will see it, then created.
            screen_name = f"Studio {rng.randrange(1000, 9999)}"
            layout = {"id": screen_name.lower().replace(" ", "-"), "name": screen_name,
                      "categories": [{"id": "standard", "name": "Standard"}, {"id": "premium", "name": "Premium"}],
                      "sections": [{"id": "stalls", "name": "Stalls", "rows": [
                          {"label": row, "y": y, "seats": [
                              {"label": f"{row}{n}", "x": n + (n > 4), "category": "premium" if row == "C" else "standard"}
                              for n in range(1, 9)]}
                          for y, row in enumerate("ABC")]}]}
            driver.find_element(By.LINK_TEXT, "Add a screen from a layout file").click()
            driver.find_element(By.ID, "screen-name").send_keys(screen_name)
            broken = dict(layout, sections=[{"id": "stalls", "name": "Stalls", "rows": [{"label": "A", "y": 0}]}])
            driver.execute_script("document.getElementById('layout-json').value = arguments[0]", json.dumps(broken))
            driver.find_element(By.ID, "preview-screen").click()
            problem = self.wait(driver, seen.presence_of_element_located((By.ID, "import-error")), "the layout's fault").text
            self.assertIn('sections[0].rows[0]: missing "seats"', problem)
            driver.execute_script("document.getElementById('layout-json').value = arguments[0]", json.dumps(layout))
            driver.find_element(By.ID, "preview-screen").click()
            preview = self.wait(driver, seen.presence_of_element_located((By.ID, "layout-preview")), "the layout's preview")
            self.assertEqual(len(preview.find_elements(By.CSS_SELECTOR, ".seat")), 24)
            self.shot(driver, "layout-preview")
            self.assert_accessible(driver)
            driver.find_element(By.ID, "create-screen").click()
            self.wait(driver, seen.presence_of_element_located((By.ID, "schedule")), "back on the theatre's page")
            Select(driver.find_element(By.ID, "st-screen")).select_by_visible_text(f"{screen_name} (24 seats)")
            # Three weeks ahead (after the sample schedule's two), the theatre's time; typing into a
            # datetime-local field depends on the browser's locale, so the value is set.
            Select(driver.find_element(By.ID, "st-movie")).select_by_visible_text("Oppenheimer")  # in English
            day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 21 * 86400))
            driver.execute_script(f"document.getElementById('st-starts').value = '{day}T20:00'")
            driver.find_element(By.ID, "st-prices").send_keys("standard=250\npremium=400")
            self.shot(driver, "schedule")
            driver.find_element(By.ID, "schedule").click()
            self.wait(driver, seen.presence_of_element_located((By.ID, "staff-notice")), "the new showtime's page")
            showtime_id = driver.current_url.split("?")[0].rstrip("/").split("/")[-1]

            token = api_customer()
            status, order = api("POST", f"/api/v1/showtimes/{showtime_id}/orders", {"bestAvailable": {"count": 2}}, token)
            self.assertEqual(status, 201, order)
            status, paid = api("POST", f"/api/v1/orders/{order['id']}/payment", {"paymentMethod": "4242424242424242"}, token)
            self.assertEqual((status, paid["state"]), (200, "confirmed"), paid)
            driver.refresh()
            self.assertIn("Confirmed", driver.find_element(By.CSS_SELECTOR, "table.listing").text)
            self.assertIn("2 of ", driver.find_element(By.CSS_SELECTOR, "svg.sales-chart title").get_attribute("textContent"))
            self.shot(driver, "sales")
            self.assert_accessible(driver)

            driver.find_element(By.NAME, "confirm").click()
            driver.find_element(By.ID, "cancel-showtime").click()
            self.wait(driver, seen.presence_of_element_located((By.ID, "refunds")), "the refunds' progress")
            # The reconciler refunds cancelled showtimes' bookings in batches, every few seconds.
            deadline = time.time() + 30
            while time.time() < deadline and driver.find_element(By.ID, "pending-refunds").text != "0":
                time.sleep(1)
                driver.refresh()
            self.assertEqual(driver.find_element(By.ID, "pending-refunds").text, "0")
            self.assertIn("₹", driver.find_element(By.ID, "refunds").text)
            self.shot(driver, "refunded")
            status, refunded = api("GET", f"/api/v1/orders/{order['id']}", None, token)
            self.assertEqual(refunded["state"], "cancelled", refunded)
        finally:
            driver.quit()


# Checks any page should pass, run in the page: landmarks, one h1, every form field and button
# named, every image described, and WCAG 2 contrast (4.5:1 for text, 3:1 for large text) of
# every visible text against the background it is drawn on.
ACCESSIBILITY_CHECKS = """
const problems = [];
if (!document.documentElement.lang) problems.push('html has no lang');
if (!document.querySelector('main')) problems.push('no main landmark');
if (document.querySelectorAll('h1').length !== 1) problems.push(`${document.querySelectorAll('h1').length} h1 elements`);
const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
for (const field of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
  if (!visible(field)) continue;
  const named = field.labels?.length || field.getAttribute('aria-label') || field.getAttribute('aria-labelledby');
  if (!named) problems.push(`unlabelled ${field.tagName.toLowerCase()} ${field.name}`);
}
for (const button of document.querySelectorAll('button, a')) {
  if (visible(button) && !(button.textContent.trim() || button.getAttribute('aria-label'))) problems.push(`unnamed ${button.tagName}`);
}
for (const image of document.querySelectorAll('img')) if (!image.hasAttribute('alt')) problems.push(`img without alt ${image.src}`);
for (const seat of document.querySelectorAll('svg.seatmap .seat')) if (!seat.getAttribute('aria-label')) problems.push('unnamed seat');
const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
const luminance = ([r, g, b]) => [r, g, b].map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; })
  .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
// The colour a text is drawn on; null over an image or gradient, which this check cannot judge.
const background = (e) => {
  for (; e; e = e.parentElement) {
    const style = getComputedStyle(e);
    if (style.backgroundImage !== 'none') return null;
    const c = rgb(style.backgroundColor);
    if (c.length < 4 || c[3] > 0) return c;
  }
  return [255, 255, 255];
};
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node; (node = walker.nextNode());) {
  const e = node.parentElement;
  if (!node.textContent.trim() || !visible(e) || e.closest('svg, .visually-hidden, .skip, option')) continue;
  const style = getComputedStyle(e);
  const behind = background(e);
  if (!behind) continue;
  const [l1, l2] = [luminance(rgb(style.color)), luminance(behind)].sort((a, b) => b - a);
  const ratio = (l1 + 0.05) / (l2 + 0.05);
  const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)} for "${node.textContent.trim().slice(0, 30)}"`);
}
return problems;
"""


class Accessibility(BrowserSteps):
    def test_pages_have_landmarks_named_fields_described_images_and_contrast(self):
        driver = browser(1280, 900)
        try:
            pages = ["/", "/search?q=drama", "/signin", "/signup", "/reset-password"]
            driver.get(BASE + "/")
            pages.append(driver.find_element(By.CSS_SELECTOR, ".card a").get_attribute("href").replace(BASE, ""))
            driver.get(BASE + pages[-1])
            pages.append(driver.find_element(By.CSS_SELECTOR, "a.time").get_attribute("href").replace(BASE, ""))
            pages.append("/no-such-page")
            for page in pages:
                driver.get(BASE + page)
                self.assert_accessible(driver)
        finally:
            driver.quit()


class Security(unittest.TestCase):
    def test_a_form_without_this_browsers_token_is_refused(self):
        driver = browser(1280, 900)
        try:
            driver.get(BASE + "/signin")
            driver.execute_script("document.querySelector('input[name=csrf]').value = 'forged'")
            driver.find_element(By.ID, "email").send_keys("nobody@example.com")
            driver.find_element(By.ID, "password").send_keys("whatever it is")
            driver.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]").click()
            WebDriverWait(driver, WAIT_SECONDS).until(seen.title_contains("This form has expired"))
            self.assertEqual(driver.find_element(By.TAG_NAME, "h1").text, "This form has expired")
        finally:
            driver.quit()

    def test_pages_send_a_strict_content_security_policy(self):
        with urllib.request.urlopen(BASE + "/", timeout=WAIT_SECONDS) as response:
            policy = response.headers["Content-Security-Policy"]
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("unsafe-inline", policy)


class SeatPageFigures(BrowserSteps):
    """The seat page's weight (checked against its budget: bytes are exact) and, as figures for
    BENCHMARKS.md (printed, not asserted: this machine is shared), how soon it is interactive and
    how soon another customer's hold shows on it."""

    def test_weight_and_timings(self):
        driver = browser(1280, 900)
        try:
            status, listing = api("GET", "/api/v1/search?q=Jailer")
            showtimes = [s for hit in listing["hits"] for s in hit["showtimes"]]
            url = f"{BASE}/showtimes/{showtimes[len(showtimes) // 2]['id']}"
            interactive = []
            for _ in range(7):
                driver.get(url)
                WebDriverWait(driver, WAIT_SECONDS).until(
                    lambda d: not d.find_element(By.ID, "selection-form").get_attribute("hidden"))
                # From the navigation's start to the seat map answering clicks (its script's mark).
                interactive.append(driver.execute_script(
                    "return performance.getEntriesByName('seat-map-ready')[0].startTime"))
            # The last load is from the browser's cache for the files: weigh a cold one.
            driver.execute_cdp_cmd("Network.clearBrowserCache", {})
            driver.get(url)
            WebDriverWait(driver, WAIT_SECONDS).until(lambda d: not d.find_element(By.ID, "selection-form").get_attribute("hidden"))
            weight = driver.execute_script(
                "const n = performance.getEntriesByType('navigation')[0];"
                "return n.encodedBodySize + performance.getEntriesByType('resource')"
                ".filter(r => /\\/static\\/.*\\.(css|js)/.test(r.name)).reduce((s, r) => s + r.encodedBodySize, 0);")
            print(f"seat page: {weight} bytes of HTML+CSS+JS; seat map ready after a median "
                  f"{statistics.median(interactive):.0f} ms of {len(interactive)} loads", flush=True)
            self.assertLessEqual(weight, PAGE_BUDGET_BYTES)

            # Seat changes: the moment the hold is answered, and the moment the page's class changed.
            driver.execute_script(
                "window.changedAt = {};"
                "new MutationObserver(ms => ms.forEach(m => { const l = m.target.dataset.label;"
                " if (l && m.target.classList.contains('held') && !(l in window.changedAt))"
                " window.changedAt[l] = performance.timeOrigin + performance.now(); }))"
                ".observe(document.querySelector('svg.seatmap'), {attributes: true, subtree: true, attributeFilter: ['class']});")
            token = api_customer()
            showtime_id = url.split("/")[-1]
            delays = []
            # The first seat of each row: holding one alone never leaves a single-seat gap.
            firsts = [s.get_attribute("data-label") for s in self.free_seats(driver)]
            firsts = [label for label in firsts if label[1:] == "1"][:10]
            self.assertGreaterEqual(len(firsts), 5)
            for label in firsts:
                # From sending the hold (the page may show it before this client has read the answer).
                sent = time.time() * 1000
                status, order = api("POST", f"/api/v1/showtimes/{showtime_id}/orders", {"seats": [label]}, token)
                self.assertEqual(status, 201, order)
                WebDriverWait(driver, WAIT_SECONDS).until(lambda d: d.execute_script(f"return window.changedAt['{label}']"))
                delays.append(driver.execute_script(f"return window.changedAt['{label}']") - sent)
                status, _ = api("POST", f"/api/v1/orders/{order['id']}/release", {}, token)
                self.assertEqual(status, 200)
            delays.sort()
            print(f"seat shown taken on another open page, from sending its hold: median {statistics.median(delays):.0f} ms, "
                  f"max {delays[-1]:.0f} ms of {len(delays)}", flush=True)
        finally:
            driver.quit()


if __name__ == "__main__":
    unittest.main(verbosity=2)
