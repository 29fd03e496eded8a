"""Helpers of the shop-day story (tests/feedback/test_shop_day.py): buyers over HTTP, traffic, ledger, figures."""
