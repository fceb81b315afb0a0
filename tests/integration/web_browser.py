#!/usr/bin/python3
"""The web view in a real browser (headless Chromium through Selenium):
tests/integration/test_web.sh runs it against a live agent.

web_browser.py BASE TOKEN CLIENT SERVER SCREENSHOT -- CMD...
  BASE        http://127.0.0.1:PORT
  CLIENT      the container that connects (an edge CLIENT -> SERVER is expected)
  SCREENSHOT  where the page's screenshot is written
  CMD...      run once the topology shows: raises the alert (its command line
              carries markup, which must show as text)

Prints TAP-like lines ("ok - ...", "not ok - ...") that tests/run.sh counts.
Every wait has a deadline; nothing sleeps a fixed time.
"""
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

MARKUP = "<img src=x onerror=window.__xss=1>"
RULE = "Credential file read in container"


def result(name, ok, detail=""):
    ok = bool(ok)
    print(("ok - " if ok else "not ok - ") + name + ("" if ok or not detail else ": " + detail))
    sys.stdout.flush()
    return ok


def wait_for(driver, what, seconds):
    """Polls what(driver) until it is true or the deadline passes."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if what(driver):
                return True
        except Exception:  # the page redraws between two lookups
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)


def browser(profile):
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1400,1500", "--user-data-dir=" + profile):
        opts.add_argument(a)
    opts.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def css(value):
    return value.replace("\\", "\\\\").replace('"', '\\"')


def main():
    base, token, client, server, shot = sys.argv[1:6]
    cmd = sys.argv[7:] if sys.argv[6:7] == ["--"] else []
    profile = tempfile.mkdtemp(prefix="palisade-web-chromium.")
    try:
        driver = browser(profile)
    except Exception as e:  # say exactly why the browser could not run
        result("headless chromium started", False, repr(e))
        return 1
    driver.set_page_load_timeout(60)
    ok = True
    try:
        driver.get(base + "/")
        body = driver.find_element(By.TAG_NAME, "body").text
        ok &= result("without the token the browser gets 401's message, not the page",
                     "unauthorized" in body and not driver.find_elements(By.ID, "topology"), body)

        driver.get(base + "/?token=" + token)
        cookie = driver.get_cookie("palisade_web") or {}
        ok &= result("?token= is exchanged for an HttpOnly cookie and the address loses it",
                     cookie.get("httpOnly") is True and "token" not in driver.current_url
                     and driver.find_elements(By.ID, "topology"),
                     "cookie %r, url %s" % (cookie, driver.current_url))
        driver.execute_script("window.__loaded_once = 1;")

        node = 'svg#topology g.node[data-name="%s"]'
        edge = '#edges tr.edge[data-src="%s"][data-dst="%s"]' % (css(client), css(server))
        line = 'svg#topology line[data-src="%s"][data-dst="%s"]' % (css(client), css(server))
        shown = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, node % css(client))
                         and d.find_elements(By.CSS_SELECTOR, node % css(server))
                         and d.find_elements(By.CSS_SELECTOR, edge)
                         and d.find_elements(By.CSS_SELECTOR, line), 60)
        ok &= result("the topology shows both containers and the edge %s -> %s" % (client, server),
                     shown, driver.find_element(By.ID, "topology-panel").text[:2000])

        def live_rate(d):
            cells = d.find_elements(By.CSS_SELECTOR, edge + " td")
            return len(cells) > 3 and cells[3].text.endswith("B/s") and \
                not cells[3].text.startswith("0 ")
        ok &= result("the edge %s -> %s shows a live rate (bytes per second)" % (client, server),
                     wait_for(driver, live_rate, 60),
                     " | ".join(c.text for c in driver.find_elements(By.CSS_SELECTOR, edge + " td")))

        raised = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                timeout=60) if cmd else None
        row = '#alerts tr.alert[data-container="%s"][data-rule="%s"]' % (css(client), css(RULE))

        def alert_shown(d):
            return any(MARKUP in r.text for r in d.find_elements(By.CSS_SELECTOR, row))
        seen = raised is not None and wait_for(driver, alert_shown, 60)
        ok &= result("the alert raised in %s appears without a reload" % client,
                     seen and driver.execute_script("return window.__loaded_once === 1;"),
                     driver.find_element(By.ID, "alerts-panel").text[:2000])
        ok &= result("the alert's markup shows as text: no element made, no script run",
                     seen and not driver.find_elements(By.CSS_SELECTOR, "#alerts img")
                     and driver.execute_script("return window.__xss === undefined;"))
        health = driver.find_element(By.ID, "health").text
        ok &= result("the health panel shows uptime, events, rules loaded and losses",
                     all(k in health for k in ("uptime", "events", "rules loaded", "lost")), health)
    finally:
        driver.save_screenshot(shot)
        print("# screenshot: " + shot)
        driver.quit()
        subprocess.run(["rm", "-rf", profile])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
