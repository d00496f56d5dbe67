"""Typed views of Arazzo and OpenAPI documents: what the files say, checked for shape."""
