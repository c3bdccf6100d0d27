"""Smoke run of the embedded default: wait for the app, sign in as a demo user, fetch the
portfolio and check the ten named sites are listed. Standard library only."""

from __future__ import annotations

import hashlib
import hmac
import http.cookiejar
import re
import sys
import time
import urllib.parse
import urllib.request

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
SITES = [
    "Wichita",
    "Milwaukee",
    "Baltimore",
    "Baton Rouge",
    "Oxford",
    "DeKalb County",
    "Pueblo",
    "Seattle",
    "Springfield",
    "Tampa",
]

jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

deadline = time.time() + 300
while True:
    try:
        with opener.open(f"{BASE}/healthz", timeout=5) as r:
            if r.status == 200:
                break
    except OSError:
        pass
    if time.time() > deadline:
        sys.exit("smoke: the app did not answer /healthz within 300 s")
    time.sleep(1)

login = opener.open(f"{BASE}/accounts/login/", timeout=10).read().decode()
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
form = urllib.parse.urlencode(
    {"csrfmiddlewaretoken": token, "username": "pm@psp.example", "password": "psp-demo-2026"}
).encode()
req = urllib.request.Request(f"{BASE}/accounts/login/", data=form, headers={"Referer": BASE})
page = opener.open(req, timeout=10)
body = page.read().decode()
if "/accounts/mfa/verify/" in page.geturl():
    # BJA staff use a second factor (issue 21 M4); the demo authenticator key is documented
    # (psp/demo/sites.py DEMO_TOTP_KEY; `manage.py demo_mfa_code` prints the same code).
    key = b"psp-demo-totp-key-2026"
    digest = hmac.new(key, (int(time.time()) // 30).to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF) % 1_000_000
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    nxt = re.search(r'name="next" value="([^"]*)"', body).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "code": f"{code:06d}", "next": nxt}
    ).encode()
    req = urllib.request.Request(page.geturl(), data=form, headers={"Referer": BASE})
    page = opener.open(req, timeout=10)
    body = page.read().decode()
if "/sites/" not in page.geturl():
    sys.exit(f"smoke: sign-in did not reach the portfolio (landed on {page.geturl()})")
missing = [s for s in SITES if f">{s}</a>" not in body]
if missing:
    sys.exit(f"smoke: portfolio is missing {missing}")
print(f"smoke: signed in as pm@psp.example and saw all {len(SITES)} sites at {page.geturl()}")
