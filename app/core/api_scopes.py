"""What an API token may do, one scope a part. Its own module: the CLI offers them as choices
without loading the database layer.

"orders" reads orders but never their codes; "codes" adds the codes of delivered orders (each read is
audited); "refunds" asks for refunds and reads their state; "reports" lists the buyers' reports of codes that
do not work and decides them (replace, refund, reject) as an agent would. A token gets only what its script needs.
"""

SCOPES = ("upload", "stock", "orders", "refunds", "codes", "reports")
