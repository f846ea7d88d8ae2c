"""`python -m registry.cli` runs the command line (as the `registry` script does)."""

from registry.cli import main

main()
