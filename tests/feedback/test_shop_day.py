"""A shop day in small (issue 22), as one story on real parts: a web server, three workers, real SMTP.

Two suppliers each sell a good and a bad batch of one game; a second product shows its codes on
request. Orders are paid in bursts through the provider's signed webhook; honest buyers report the
bad batches, which are held exactly at their thresholds; one buyer reports working codes under four
aliases of one mailbox, which holds nothing and gets no more replacements than one buyer's limit; the owner releases a hold, which old reports do not
undo; replacements asked for while paid orders pour in arrive within the issue's bound (5 s) and
never from the batch complained about; a refund returns the codes never shown. The day's figures
(quality ranking, trust figures, support metrics) are then worked out from what the buyers did.

Each step is a function of its own: a new step is one more call.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.core.audit import AuditEntry
from app.core.extensions import db
from feedback.quality import ranking
from feedback.support.conversations import find_conversation
from feedback.support.metrics import support_metrics
from feedback.trust import trust_figures
from tests.feedback.aftersale import code_states, codes_of, on_hold, page_codes, staff, staff_post
from tests.feedback.shop_day import figures
from tests.feedback.shop_day.day import Day, Sale
from tests.feedback.shop_day.mailbox import HOLD, REFUNDED, REPLACED, holds, wait_for_mails
from tests.feedback.shop_day.traffic import Traffic
from tests.mail import mail_rows
from tests.payments.conftest import fake_stripe, stripe_env  # noqa: F401 (a fixture)
from tests.payments.disputes import paid_by_stripe, raise_stripe_dispute, submit_evidence, wait_for_dispute
from tests.processes import LiveServer, WorkerProcess
from tests.shop import csrf_from, in_app

pytestmark = pytest.mark.slow
BOUND = 5.0  # seconds from a report to the working code on the buyer's page (issue 22)
OWNER = "owner@shop.test"
GAMER = ("x@a.test", "X@a.test", "x+1@a.test", "x+2@a.test")  # one mailbox
GAME_STARS = (5, 5, 4, 4, 5, 1, 2, 5)
ACME_GOOD, BOLT_BAD, GIFT = 26, 14, 6  # codes in the batches whose sales the story counts
SUPPORT_SCORES = (5, 2)


@pytest.fixture
def shop_env(shop_env, fake_stripe):
    return {**shop_env, **stripe_env(fake_stripe)}


@pytest.fixture
def day(smtp, shop_env, app, client):
    """The shop open: gunicorn, three `keyshop worker` processes, and the owner signed in (`client`)."""
    server = LiveServer(shop_env)
    workers = [WorkerProcess(shop_env) for _ in range(3)]
    try:
        staff(app, client, OWNER, role="owner")  # told of held batches by default
        yield Day(app, client, server.url)
    finally:
        for process in [server, *workers]:
            process.stop()


def test_a_shop_day(day, smtp, fake_stripe):
    open_the_shop(day)
    morning = morning_burst(day)
    gamer = gamer_buys(day)
    honest_buyers_hold(day, "acme-bad")
    gamer_reports_working_codes(day, gamer)
    owner_releases(day, "acme-bad")
    reviews_and_conversations(day, morning)
    noon_burst(day)
    with Traffic(day, "game") as traffic:
        sent = honest_buyers_hold(day, "bolt-bad")
        sent += old_reports_after_the_release(day, "acme-bad")
        assert all(traffic.paid_since(moment) for moment in sent)  # every report made while orders poured in
    traffic.record()
    refunds_return_the_codes_never_shown(day, [sale for sale in morning if sale.slug == "gift"], smtp)
    dispute_gets_evidence_once(day, fake_stripe)
    every_code_went_to_one_buyer(day)
    the_mails_arrived(day, smtp)
    the_figures_add_up(day)


def open_the_shop(day: Day) -> None:
    day.add_product("game", "9.99")
    day.add_product("gift", "5.00", reveal_on_request=True)
    day.add_batch("game", "acme-bad", 10, supplier="Acme", hold_at=(30, 2))  # sold first: the oldest
    day.add_batch("game", "acme-good", ACME_GOOD, supplier="Acme")
    day.add_batch("gift", "gift-1", GIFT, supplier="Carda")


def morning_burst(day: Day) -> list[Sale]:
    """Twenty games and two gifts of two codes, paid at once: Acme's bad batch sells out first."""
    orders = [("game", f"m{n}@example.com", 1) for n in range(20)] + [("gift", f"g{n}@example.com", 2) for n in (0, 1)]
    sales = day.sell(orders)
    assert day.given() == {"acme-bad": 10, "acme-good": 10}  # the gifts' codes are not shown yet
    for sale in sales[-2:]:
        assert day.buyers.order(sale.token)["codes_to_reveal"] == 2
    return sales


def gamer_buys(day: Day) -> list[Sale]:
    """One buyer, four aliases of one mailbox, four orders paid at once: codes of Acme's good batch."""
    gamer = day.sell([("game", email, 1) for email in GAMER])
    assert [day.batch_of(code) for sale in gamer for code in sale.codes] == ["acme-good"] * len(GAMER)
    return gamer


def honest_buyers_hold(day: Day, batch: str) -> list[float]:
    """Three buyers of the batch report, one after the other: each gets a code of another batch at
    once; the third puts it on hold, its unsold codes stop selling, and the owner is mailed. When
    each report was sent. (Acme's: 2 buyers of 10 sold are 20%, under its 30%; Bolt's: 2 buyers
    are under its minimum of 3, 3 of the 10 to 14 sold are over its 20%.)"""
    sent = []
    for n, (sale, code) in enumerate(day.holding(batch)[:3]):
        new, moment, waited = day.report(sale, code)
        sent.append(moment)
        assert waited < BOUND and day.batch_of(new) != batch, (waited, day.batch_of(new))
        assert new in page_codes(day.buyers.page(sale.token))
        day.after_sale_done()
        assert on_hold(day.app, day.batches[batch]) is (n == 2), f"report {n + 1} of {batch}"
    assert "available" not in code_states(day.app, day.batches[batch])
    owed = f"batch-hold:{day.batches[batch]}:"
    assert list(mail_rows(day.app, owed + "%")) == [owed + "1"]  # owed with the hold; sent after the buyers' mail
    return sent


def gamer_reports_working_codes(day: Day, gamer: list[Sale]) -> None:
    """Four aliases of one mailbox are one buyer: their four reports hold nothing, and the fourth
    waits for staff, over the buyer's limit of 3 replacements (the first three were replaced)."""
    for sale in gamer[:3]:
        day.report(sale, sale.codes[0])
    why = day.report_held(gamer[3], gamer[3].codes[0])
    assert why == "the buyer had 3 replacement(s) in 30 days (limit 3)"
    good = day.batches["acme-good"]
    assert not on_hold(day.app, good)
    assert code_states(day.app, good).get("available") == ACME_GOOD - day.given()["acme-good"] > 0  # on sale


def owner_releases(day: Day, batch: str) -> None:
    path = f"/admin/batches/{day.batches[batch]}/release"
    assert staff_post(day.staff, path, reason="the supplier sent proof of a fault fixed").status_code == 302
    assert not on_hold(day.app, day.batches[batch])
    day.given_at_release[batch] = day.given()[batch]  # the batch's count starts again from here


def reviews_and_conversations(day: Day, morning: list[Sale]) -> None:
    """Eight games and one gift rated; three buyers write to support, two answered and resolved, and
    those two rate the answer 5 and 2."""
    games = [sale for sale in morning if sale.slug == "game"]
    for sale, stars in zip(games[-len(GAME_STARS) :], GAME_STARS):
        day.buyers.review(sale.token, stars, f"{stars} stars")
    day.buyers.review(morning[-1].token, 5, "quick")
    day.stars = {"game": list(GAME_STARS), "gift": [5]}
    opened = [day.buyers.contact_support(sale.token, "defective_code", "my code?") for sale in games[:3]]
    for path, score in zip(opened[:2], SUPPORT_SCORES):
        number = in_app(day.app, lambda path=path: find_conversation(db.session, path.rsplit("/", 1)[1]).number)
        reply = staff_post(day.staff, f"/admin/conversations/{number}/reply", body="Here it is.", resolve="1")
        assert reply.status_code == 302
        day.resolved_conversations += 1
        day.buyers.rate_support(path, score)
        day.support_scores.append(score)


def noon_burst(day: Day) -> None:
    """Bolt's batches arrive; a burst sells what is left of Acme's good batch and ten of Bolt's bad one."""
    day.add_batch("game", "bolt-bad", BOLT_BAD, supplier="Bolt", hold_at=(20, 3))
    day.add_batch("game", "bolt-good", 400, supplier="Bolt")  # the afternoon's traffic and replacements
    left = ACME_GOOD - day.given()["acme-good"]
    day.sell([("game", f"n{n}@example.com", 1) for n in range(left + 10)])
    assert (day.given()["acme-good"], day.given()["bolt-bad"]) == (ACME_GOOD, 10)


def old_reports_after_the_release(day: Day, batch: str) -> list[float]:
    """Four more buyers of the released batch report at once, codes sold before the release: each
    gets a code of another batch within the bound, and the batch is not held again."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda held: day.report(*held), day.holding(batch)[:4]))
    assert len(outcomes) == 4
    for new, _, waited in outcomes:
        assert waited < BOUND and day.batch_of(new) != batch, (waited, day.batch_of(new))
    day.after_sale_done()
    assert not on_hold(day.app, day.batches[batch])
    return [moment for _, moment, _ in outcomes]


def refunds_return_the_codes_never_shown(day: Day, gifts: list[Sale], smtp) -> None:
    """One gift's buyer shows the codes, the other never does; the owner refunds both in full. The
    shown codes stay burned with their order; the others go back on sale, and sell again."""
    shown, unseen = gifts
    day.buyers.reveal(shown.token)
    shown.codes = day.buyers.order(shown.token)["codes"]
    assert len(shown.codes) == 2
    unseen_ids = [code_id for code_id, _ in codes_of(day.app, unseen.order_id)]
    for sale in gifts:
        _refund_in_full(day, sale, "10.00")
    refunded = {(sale.email, f"Order {sale.number}{REFUNDED}") for sale in gifts}  # mailed once restocked
    assert refunded <= {(to, subject) for to, subject, _ in wait_for_mails(smtp, _having(refunded))}
    for sale in gifts:
        assert day.buyers.order(sale.token)["status"] == "refunded"
    assert [state for _, state in codes_of(day.app, shown.order_id)] == ["delivered", "delivered"]
    assert codes_of(day.app, unseen.order_id) == []
    assert code_states(day.app, day.batches["gift-1"]) == {"delivered": 2, "available": GIFT - 2}
    [again] = day.sell([("gift", "g2@example.com", 2)])
    assert [code_id for code_id, _ in codes_of(day.app, again.order_id)] == unseen_ids  # the oldest on sale
    day.buyers.reveal(again.token)
    again.codes = day.buyers.order(again.token)["codes"]


def dispute_gets_evidence_once(day: Day, fake_stripe) -> None:
    """A gift paid by card: its buyer shows the codes and writes to support, then their bank disputes
    the payment. The owner clicks "Submit evidence" twice; the workers send it, and Stripe takes it
    once, with the order, the showing and the conversation in it, and not the codes."""
    email = "carol@example.com"
    order = paid_by_stripe(day.app, day.app.test_client(), fake_stripe, email=email, deliver=False, product="gift")
    assert day.buyers.wait_for(order.token, lambda b: b["status"] == "delivered")["status"] == "delivered"
    day.buyers.reveal(order.token)
    sale = Sale(order.token, order.number, order.order_id, email, "gift", day.buyers.order(order.token)["codes"])
    day.sales.append(sale)
    day.buyers.contact_support(order.token, "defective_code", "The card says it was used already.")
    dispute_id = raise_stripe_dispute(day.app, day.app.test_client(), fake_stripe, order)
    for _ in range(2):  # a double click
        assert submit_evidence(day.staff, dispute_id).status_code == 302
    assert wait_for_dispute(day.app, dispute_id, "submitted") == "submitted"
    [(_, evidence)] = fake_stripe.evidence_submissions
    sent = " ".join(str(value) for value in evidence.values())
    assert order.number in sent and email in sent and "used already" in sent
    assert len(sale.codes) == 1 and not any(code in sent for code in sale.codes)


def every_code_went_to_one_buyer(day: Day) -> None:
    given = [code for sale in day.sales for code in sale.codes]
    assert len(given) == len(set(given))


def the_mails_arrived(day: Day, smtp) -> None:
    """Each replacement reached its buyer's mailbox once, naming the new code; the owner heard of
    each hold once (two holds, the release not undone)."""
    wanted = {(sale.email.lower(), f"Order {sale.number}{REPLACED}"): new for sale, new in day.replacements}
    told = {(OWNER, HOLD + "acme-bad"), (OWNER, HOLD + "bolt-bad")}
    mails = wait_for_mails(smtp, _having(set(wanted) | told))
    replaced = [((to, subject), body) for to, subject, body in mails if subject.endswith(REPLACED)]
    assert len(replaced) == len(wanted)  # once each
    for mail, body in replaced:
        assert wanted[mail] in body, mail
    assert sorted(holds(mails)) == sorted(told)  # once each


def the_figures_add_up(day: Day) -> None:
    """The quality ranking, the trust figures and the support metrics count what the buyers did."""
    with day.app.app_context():
        batches = {row.name: (row.delivered, row.reports, row.on_hold) for row in ranking(db.session, "batch")}
        suppliers = {row.name: (row.delivered, row.reports) for row in ranking(db.session, "supplier")}
        lines, shop = trust_figures(db.session)
        support = support_metrics(db.session, 7)
        holds_made = db.session.scalar(select(func.count()).where(AuditEntry.action == "keystore.batch.quarantined"))
        db.session.remove()
    assert batches == figures.batch_ranking(day, held={"bolt-bad"})  # acme-bad released
    assert suppliers == figures.supplier_ranking(day)
    trust = {line.name: _figures_of(line) for line in lines}
    assert trust | {shop.name: _figures_of(shop)} == figures.trust_lines(day)
    assert (support.surveys, support.ratings, support.satisfied, support.csat) == figures.support_figures(day)
    assert (support.due, support.late) == (0, 0) and support.first_response_hours[0] is not None  # due in 48 h
    assert holds_made == 2  # acme-bad once, bolt-bad once: the old reports held nothing again
    unsold = code_states(day.app, day.batches["bolt-bad"]).get("quarantined", 0)
    assert unsold == BOLT_BAD - day.given()["bolt-bad"]  # what the traffic had not bought of it stopped selling


def _figures_of(line) -> tuple:
    return line.delivered, line.reports, line.resolved, line.rating, line.ratings


def _refund_in_full(day: Day, sale: Sale, amount: str) -> None:
    page = day.staff.get(f"/admin/orders/{sale.number}").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf_from(day.staff, "/admin/"), "amount": amount, "key": key, "reason": "shop day"}
    assert day.staff.post(f"/admin/orders/{sale.number}/refunds", data=form).status_code == 302


def _having(wanted: set[tuple[str, str]]):
    """Enough mails: one to each (to, subject) wanted."""
    return lambda mails: wanted <= {(to, subject) for to, subject, _ in mails}
