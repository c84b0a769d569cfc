"""The HTML pages the API serves beside its JSON, and what each may load."""

# The interactive docs load their script and styles from a CDN.
DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"img-src 'self' data: https://cdn.jsdelivr.net; frame-ancestors 'none'"
)
ADMIN_CSP = b"default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"

# (path prefix, Content-Security-Policy), the first matching prefix wins.
PAGE_POLICIES: tuple[tuple[str, bytes], ...] = (
    ("/docs", DOCS_CSP),
    ("/redoc", DOCS_CSP),
    # Django's admin serves its own styles and scripts.
    ("/admin/", ADMIN_CSP),
    ("/static/admin/", ADMIN_CSP),
)
