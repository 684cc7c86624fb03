"""`python -m planrisk`: runs the CLI (planrisk.cli.main)."""

from planrisk.cli import main

main()
