"""Disputes (chargebacks) seen from after-sale: the evidence file of an order, and its writing."""
