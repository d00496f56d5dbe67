"""arazzo-codegen: compile Arazzo workflows into typed async Python functions."""

__version__ = "0.1.0"
