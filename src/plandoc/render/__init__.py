"""Stage 3, render: a checked plan becomes the template context, then Markdown, Word and PDF,
written atomically with the same bytes every time. Templates are untrusted."""
