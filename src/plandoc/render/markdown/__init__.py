"""The Markdown writer: the plan's context through a Markdown template, escaped, in the
bounded worker."""
