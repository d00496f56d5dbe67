"""Example applications built on the clients arazzo-codegen generates (see each folder's README)."""
