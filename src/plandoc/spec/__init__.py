"""Stage 1, the spec: load a plan safely, validate it against the schema (with each
orientation's part from its folder), and the plan's shared knowledge: instruments, ICD-10-CM
codes, the review schedule and the plan model."""
