"""`python -m generator` runs the arazzo-codegen command line."""

from generator.cli import entry_point

entry_point()
