"""Authoring aids: a starter plan per orientation, the template catalogue and linter, and the
spec reference generated from the schema."""
