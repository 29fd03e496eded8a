"""Finding an order by email and number sends its link by mail and shows nothing on the page."""

from __future__ import annotations

from rq import Queue

from tests.shop import csrf_from, make_product, place


def _ask(client, email: str, number: str):
    return client.post("/lookup", data={"csrf_token": csrf_from(client, "/lookup"), "email": email, "number": number})


def _lookup_jobs(app) -> list:
    jobs = Queue("notify", connection=app.extensions["keyshop.redis"]).jobs
    return [job for job in jobs if job.args[1].startswith("lookup:")]


def test_a_match_is_mailed_and_the_page_says_the_same_either_way(app, client):
    make_product(app, "card")
    placed = place(app, "card", email="Mia@Example.com")
    right = _ask(client, "mia@example.com", placed.number.lower())
    wrong = _ask(client, "someone@else.com", placed.number)
    for response in (right, wrong):
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "its link is on its way" in page
        assert placed.token not in page and "/o/" not in page
    [job] = _lookup_jobs(app)
    assert job.args[0] == placed.order_id
    _ask(client, "mia@example.com", placed.number)
    with app.app_context():  # asked twice within the hour: one mail
        assert job.perform() == "sent"
        assert _lookup_jobs(app)[1].perform() == "skipped"
    [mail] = (app.config["KEYSHOP"].instance / "outbox").glob("*.eml")
    assert f"/o/{placed.token}" in mail.read_text()


def test_lookups_are_rate_limited(app, client):
    statuses = [_ask(client, "x@example.com", f"KS-{n:08d}").status_code for n in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
