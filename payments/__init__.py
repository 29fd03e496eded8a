"""Payment adapters behind one interface, the webhook inbox, payments and refunds."""
