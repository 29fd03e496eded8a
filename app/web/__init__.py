"""The web: thin views over the services below (feedback, delivery, keystore, payments, app.core).

One blueprint per area: storefront (catalog, product, checkout, order page), aftersale (report a code,
rate an order, trust page), support and widget, help, lookup (lost order link), payment_return,
webhooks, sandbox (the demo's payment page), api and api_stock (JSON API; openapi describes it),
health (/healthz, /metrics), and admin/ (staff pages, its own package). Before any view: hostile
(refuses input no column can store), csrf, security (headers, cookies), visitor (anonymous id);
numbers holds ids and counts to what the columns can store; errors renders error pages and logs a 500."""
