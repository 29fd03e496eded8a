"""Dynamic delivery: a product whose codes come from the seller's URL at the moment of sale."""
