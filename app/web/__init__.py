"""The web: storefront, JSON API, webhooks, the sandbox payment page, health. One blueprint each."""
