"""Report rendering: Jinja2 HTML, matplotlib SVG charts and WeasyPrint PDF.

Knows nothing of Dagster; `reports.render.render_report` is the entry point for assets and the CLI.
"""
