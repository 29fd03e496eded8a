"""Every mail keyshop sends: a row in the mail log (log), sent by one function (send), owed order
mail batched by one drain (drain), bodies from Jinja templates in the reader's language (compose,
kinds, templates/). Feedback's support, notice and owner mail use it from above."""
