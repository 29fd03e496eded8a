"""The shop day's figures as worked out from the ledger of what its buyers did (shop_day.day), to
hold the shop's own (feedback.quality, feedback.trust, feedback.support.metrics) against."""

from __future__ import annotations

import statistics
from collections import Counter

from tests.feedback.shop_day.day import Day


def reported(day: Day) -> Counter:
    """Reports made, per batch of the code reported."""
    return Counter(day.batch_of(code) for code in day.reports)


def batch_ranking(day: Day, held: set[str]) -> dict[str, tuple[int, int, bool]]:
    """batch name -> (codes delivered since its last release, every report, on hold): a released
    batch's delivered count starts again, as its hold's does."""
    given, reports = day.given(), reported(day)
    since = {name: given[name] - day.given_at_release.get(name, 0) for name in day.batches}
    return {name: (since[name], reports[name], name in held) for name in day.batches}


def supplier_ranking(day: Day) -> dict[str, tuple[int, int]]:
    """supplier -> (codes delivered, reports), over its batches."""
    given, reports, totals = day.given(), reported(day), {}
    for name, supplier in day.supplier.items():
        delivered, complaints = totals.get(supplier, (0, 0))
        totals[supplier] = (delivered + given[name], complaints + reports[name])
    return totals


def trust_lines(day: Day) -> dict[str, tuple]:
    """Each product's name and "All products" -> (delivered, reports, resolved, rating, ratings).
    A report was resolved by its replacement; the held ones are not resolved yet."""
    given, reports, held = day.given(), reported(day), Counter(day.batch_of(code) for code in day.held)
    lines, everyone = {}, []
    for slug in day.products:
        batches = [name for name, product in day.product_of.items() if product == slug]
        counts = [sum(figures[b] for b in batches) for figures in (given, reports, held)]
        lines[slug.title()] = _line(*counts, day.stars.get(slug, []))
        everyone.append(counts)
    every_star = [stars for slug in day.products for stars in day.stars.get(slug, [])]
    lines["All products"] = _line(*(sum(column) for column in zip(*everyone)), every_star)
    return lines


def support_figures(day: Day) -> tuple[int, int, int, float]:
    """(surveys sent, ratings, satisfied, CSAT %): a survey per conversation resolved; satisfied
    are the ratings of 4 and 5."""
    scores = day.support_scores
    satisfied = sum(1 for score in scores if score >= 4)
    return day.resolved_conversations, len(scores), satisfied, 100.0 * satisfied / len(scores)


def _line(delivered: int, reports: int, held: int, stars: list[int]) -> tuple[int, int, int, float | None, int]:
    return delivered, reports, reports - held, round(statistics.mean(stars), 2) if stars else None, len(stars)
