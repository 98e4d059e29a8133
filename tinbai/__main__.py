"""`python -m tinbai` is the `tinbai` command."""

from tinbai.cli import main

main()
