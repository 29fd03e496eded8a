"""A bare Flask page (about the size of the product page) on the same gunicorn as the shop's web:
what the load client and the server reach with no shop behind them."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)
BODY = "<!doctype html><title>bare</title>" + "<p>the same bytes every time</p>" * 200


@app.get("/")
def bare():
    return BODY
