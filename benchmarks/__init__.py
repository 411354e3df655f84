"""The benchmark (``python benchmarks/run.py``) and the synthetic caseload it measures."""
