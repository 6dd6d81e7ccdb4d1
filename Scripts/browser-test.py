#!/usr/bin/env python3
"""The dashboard in a real browser (headless Chromium through Selenium and chromedriver).

Starts `tradewizard serve --offline` with an admin token on a free loopback port, logs in, visits
every page and checks: HTTP 200 (via the Performance log), no console errors, no request to any
other host, key elements (chart SVGs with points, tables with rows), a forged POST refused, and
logout ending the session. Saves a screenshot of each page under .build/screenshots/.

Usage: browser-test.py <tradewizard binary>. Needs chromium, chromium-driver and selenium.
"""
import json, os, re, socket, subprocess, sys, tempfile, time, urllib.request

os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

binary = os.path.abspath(sys.argv[1])
token = "browser-test-admin-token-0123456789"
shots = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "screenshots")
os.makedirs(shots, exist_ok=True)

s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
work = tempfile.mkdtemp()
env = dict(os.environ, TRADEWIZARD_ADMIN_TOKEN=token)
server = subprocess.Popen([binary, "serve", "--offline", "--data-dir", work + "/data", "--port", str(port), "--env-file", "/dev/null"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
base = f"http://127.0.0.1:{port}"
failures = []

def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)

try:
    deadline = time.time() + 60
    for line in server.stdout:
        if "analysis cycle finished" in line:
            break
        if time.time() > deadline:
            raise SystemExit("no analysis cycle within 60 s")

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)

    def settles(condition, seconds=10):
        """Whether `condition(driver)` becomes true within `seconds` (a click's navigation is asynchronous)."""
        try:
            WebDriverWait(driver, seconds).until(condition)
            return True
        except Exception:
            return False

    def statuses():
        """(url, status) of every response since the last call, from the DevTools log."""
        seen = []
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.responseReceived":
                response = message["params"]["response"]
                seen.append((response["url"], response["status"]))
            elif message.get("method") == "Network.requestWillBeSent":
                seen.append((message["params"]["request"]["url"], None))
        return seen

    driver.get(base + "/")
    check(settles(lambda d: d.current_url.endswith("/login")), "an anonymous visitor is sent to the login form")
    driver.find_element(By.NAME, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    check(settles(lambda d: d.current_url.rstrip("/") == base), "logging in lands on the overview")
    statuses()

    market = re.search(r'href="(/markets/0x[0-9a-f]+)"', urllib.request.urlopen(urllib.request.Request(base + "/markets",
        headers={"Cookie": "tw_session=" + driver.get_cookie("tw_session")["value"]})).read().decode())
    pages = {"overview": "/", "markets": "/markets", "market": market.group(1) if market else "/markets/none",
             "track-record": "/track-record", "signals": "/signals", "charts": "/charts", "operations": "/operations"}
    for name, path in pages.items():
        driver.get(base + path)
        seen = statuses()
        main = [status for url, status in seen if url == base + path and status is not None]
        check(main and main[-1] == 200, f"{name}: HTTP 200 ({main})")
        foreign = [url for url, _ in seen if not url.startswith(base) and not url.startswith("data:")]
        check(not foreign, f"{name}: no request to another host {foreign}")
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        check(not errors, f"{name}: no console errors {errors}")
        check(driver.find_element(By.TAG_NAME, "h1").text != "", f"{name}: has a heading")
        driver.save_screenshot(os.path.join(shots, name + ".png"))
        if name == "markets":
            rows = driver.find_elements(By.CSS_SELECTOR, "table tbody tr")
            check(len(rows) >= 10, f"markets: a table with rows ({len(rows)})")
            check(len(driver.find_elements(By.CSS_SELECTOR, "svg.spark polyline")) >= 3, "markets: sparklines of the analysed markets (the ones with stored history)")
        if name == "market":
            points = driver.find_element(By.CSS_SELECTOR, "polyline.price").get_attribute("points").split()
            check(len(points) >= 20, f"market: the price chart has points ({len(points)})")
            check(len(driver.find_elements(By.CSS_SELECTOR, "svg title")) >= 2, "market: charts have titles")
        if name == "charts":
            images = driver.find_elements(By.CSS_SELECTOR, "figure.chart img")
            loaded = [image for image in images if driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image)]
            check(len(images) >= 1 and len(loaded) == len(images), f"charts: snapshots shown as images ({len(loaded)} of {len(images)} loaded)")
        if name == "overview":
            check("SAMPLE DATA" in driver.page_source, "overview: the sample-data banner is shown")

    # A forged POST (a form without the session's CSRF token) is refused.
    driver.get(base + "/operations")
    driver.execute_cdp_cmd("Runtime.evaluate", {"expression": "document.querySelector(\"form[action='/operations/backup'] input[name=csrf]\").value='forged'"})
    driver.find_element(By.CSS_SELECTOR, "form[action='/operations/backup'] button").click()
    check(settles(lambda d: "Error 403" in d.page_source), "a forged backup form is refused with 403")

    # Logout ends the session: the old cookie no longer opens a page.
    cookie = driver.get_cookie("tw_session")["value"]
    driver.get(base + "/")
    driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
    check(settles(lambda d: d.current_url.endswith("/login")), "logout returns to the login form")
    request = urllib.request.Request(base + "/", headers={"Cookie": "tw_session=" + cookie})
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs): return None
    try:
        status = urllib.request.build_opener(NoRedirect).open(request).status
    except urllib.error.HTTPError as error:
        status = error.code
    check(status == 303, f"the old session cookie is refused after logout ({status})")
    driver.quit()
finally:
    server.terminate()
    server.wait(timeout=30)

print(f"{len(failures)} failed" if failures else "browser test passed; screenshots in .build/screenshots/")
sys.exit(1 if failures else 0)
