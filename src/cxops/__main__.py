"""`python -m cxops` runs the CLI."""

from cxops.cli import app

app(prog_name="cxops")
