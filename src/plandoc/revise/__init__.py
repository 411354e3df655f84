"""Stage 4, revise: two versions of a plan compared by stable ids, as a change summary and as a
Word redline with tracked changes."""
