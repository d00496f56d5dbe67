"""The semantic pass: resolve every reference in an Arazzo document and build the IR."""
