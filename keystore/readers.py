"""Which reader a product's batches go through."""

from __future__ import annotations

from functools import partial

from keystore.formats import read_csv, read_txt


def reader_for(product):
    """read_txt, or read_csv bound to the product's columns."""
    if product.code_format == "csv":
        return partial(read_csv, columns=[c.strip() for c in product.csv_columns.split(",") if c.strip()])
    return read_txt
