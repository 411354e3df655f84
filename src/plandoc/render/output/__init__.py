"""Writing output: deterministic bytes, staged and moved into place as a set."""
