"""Loading Arazzo and OpenAPI documents from disk, keeping the line and column of every node."""
