"""What buyers do on a shop day, through HTTP on the real web server: pay (the provider's signed
webhook), read their order (page and API), report a code, rate, reveal, and write to support."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.shop import sandbox_webhook

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE_TEXT = re.compile(r'<code class="code">([^<]+)</code>')
CODE_FORM = re.compile(r'name="code" value="(\d+)"')


class Buyers:
    """The buyers' side of the shop at `url` (a LiveServer), each request a browser of its own."""

    def __init__(self, app, url: str):
        self.app, self.url = app, url

    def pay(self, placed, amount: int) -> None:
        headers, body = sandbox_webhook(self.app, placed.number, amount)
        answer = requests.post(f"{self.url}/webhooks/sandbox", data=body, headers=headers, timeout=30)
        assert answer.status_code == 200, answer.text

    def pay_at_once(self, placed: list, amounts: list[int], threads: int = 8) -> None:
        """Every order's paid webhook posted at the same moment, as many at once as `threads`."""
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(self.pay, placed, amounts))

    def order(self, token: str) -> dict:
        answer = requests.get(f"{self.url}/api/v1/orders/{token}", timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def wait_for(self, token: str, wanted, seconds: float = 60) -> dict:
        """The order as the API gives it, once `wanted(body)` holds (bounded: the last body else)."""
        deadline = time.monotonic() + seconds
        body = self.order(token)
        while not wanted(body) and time.monotonic() < deadline:
            time.sleep(0.05)
            body = self.order(token)
        return body

    def page(self, token: str) -> str:
        return requests.get(f"{self.url}/o/{token}", timeout=30).text

    def report(self, token: str, code: str, reason: str = "invalid") -> float:
        """Report `code` from the order page's form; the moment the form was sent (monotonic)."""
        browser = requests.Session()
        page = browser.get(f"{self.url}/o/{token}", timeout=30).text
        code_id = report_forms(page)[code]
        form = {"csrf_token": CSRF.search(page).group(1), "code": code_id, "reason": reason, "text": ""}
        sent = time.monotonic()
        answer = browser.post(f"{self.url}/o/{token}/report", data=form, allow_redirects=False, timeout=30)
        assert answer.status_code == 303, answer.text[-2000:]
        return sent

    def review(self, token: str, stars: int, text: str) -> None:
        self._form(f"/o/{token}", f"/o/{token}/review", stars=stars, text=text)

    def reveal(self, token: str) -> None:
        self._form(f"/o/{token}", f"/o/{token}/reveal")

    def contact_support(self, token: str, topic: str, message: str) -> str:
        """A conversation opened from the order page; its own page's path (/c/<token>)."""
        answer = self._form(f"/o/{token}/support", f"/o/{token}/support", topic=topic, message=message)
        return answer.headers["Location"]

    def rate_support(self, conversation_path: str, score: int) -> None:
        self._form(conversation_path, f"{conversation_path}/rate", score=score)

    def _form(self, page_path: str, post_path: str, **form) -> requests.Response:
        browser = requests.Session()
        page = browser.get(self.url + page_path, timeout=30).text
        form["csrf_token"] = CSRF.search(page).group(1)
        answer = browser.post(self.url + post_path, data=form, allow_redirects=False, timeout=30)
        assert answer.status_code == 303, f"{post_path}: {answer.status_code} {answer.text[-2000:]}"
        return answer


def report_forms(page: str) -> dict[str, str]:
    """code -> the id its report form sends, for each code of the order page that has the form."""
    forms = {}
    for line in page.split('<li id="code-')[1:]:
        text, form = CODE_TEXT.search(line), CODE_FORM.search(line)
        if text and form:
            forms[text.group(1)] = form.group(1)
    return forms
