"""Runtime expressions, embedded templates and criteria conditions of Arazzo documents."""
