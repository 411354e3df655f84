"""Where templates run: the sandboxed Jinja environment (what a template can reach), plain
data at its door, and the bounded worker process (what a template can use)."""
