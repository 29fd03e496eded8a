"""`python -m app.cli`: the same commands as the `keyshop` console script."""

from app.cli import main

main()
