"""Finding orders by email (and number) sends their links by mail and shows nothing on the page."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from tests.mail import drain_now, mail_rows
from tests.shop import csrf_from, make_product, place


def _ask(client, email: str, number: str = ""):
    return client.post("/lookup", data={"csrf_token": csrf_from(client, "/lookup"), "email": email, "number": number})


def _not_at_an_hours_end() -> None:
    """A mail goes at most once per clock hour: asks that straddle one are two hours' asks. A test
    that asks twice starts clear of an hour's last ten seconds."""
    now = datetime.now(UTC)
    if now.minute == 59 and now.second >= 50:
        time.sleep(61 - now.second)


def _outbox(app) -> list[str]:
    return [mail.read_text() for mail in (app.config["KEYSHOP"].instance / "outbox").glob("*.eml")]


def test_a_match_is_mailed_once_an_hour_and_the_page_says_the_same_either_way(app, client):
    make_product(app, "card")
    placed = place(app, "card", email="Mia@Example.com")
    _not_at_an_hours_end()
    right = _ask(client, "mia@example.com", placed.number.lower())
    wrong = _ask(client, "someone@else.com", placed.number)
    for response in (right, wrong):
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "their links are on their way" in page
        assert placed.token not in page and "/o/" not in page
    _ask(client, "mia@example.com", placed.number)  # asked twice within the hour: one mail
    [key] = mail_rows(app, "order:%:lookup:%")
    assert key.startswith(f"order:{placed.order_id}:lookup:")
    assert drain_now(app) == 1
    [mail] = _outbox(app)
    assert f"/o/{placed.token}" in mail


def test_an_email_alone_gets_the_links_of_its_recent_orders_and_no_one_elses(app, client):
    make_product(app, "card")
    mine = [place(app, "card", email="mia@example.com") for _ in range(2)]
    theirs = place(app, "card", email="leo@example.com")
    _not_at_an_hours_end()
    for email in ("MIA@example.com", "nobody@example.com", "mia@example.com"):
        response = _ask(client, email)
        assert response.status_code == 200 and "/o/" not in response.get_data(as_text=True)
    assert len(mail_rows(app, "lookup:%")) == 1  # one for mia, once this hour; none for an address with no orders
    assert drain_now(app) == 1
    [mail] = _outbox(app)
    assert all(f"/o/{placed.token}" in mail for placed in mine)
    assert f"/o/{theirs.token}" not in mail and theirs.number not in mail


def test_a_lookup_without_an_address_is_refused_and_says_which_field(app, client):
    response = _ask(client, "not an address", "KS-1")
    assert response.status_code == 400 and "email" in response.get_data(as_text=True)


def test_lookups_are_rate_limited(app, client):
    statuses = [_ask(client, "x@example.com", f"KS-{n:08d}").status_code for n in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
