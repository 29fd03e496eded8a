"""The bottom of the house: settings, database, models, money, audit, staff and the small services every
layer above may use. Nothing here imports keystore, payments, delivery, feedback, the web or the CLI."""
