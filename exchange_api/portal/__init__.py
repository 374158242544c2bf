"""The portal: server-rendered pages (Jinja2 templates, one local stylesheet, inline SVG charts)."""
