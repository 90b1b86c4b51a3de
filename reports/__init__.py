"""Report rendering: Jinja2 HTML, matplotlib SVG charts and WeasyPrint PDF. Knows nothing of Dagster."""
