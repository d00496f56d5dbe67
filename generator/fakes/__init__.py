"""Test fakes: what a generated package's `testing` module knows about the operations its
workflows call (parameters, body schema, a response), read from the OpenAPI at generation time."""
