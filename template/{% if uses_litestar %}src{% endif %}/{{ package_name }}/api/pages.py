"""The HTML pages the API serves beside its JSON, and what each may load."""

# The interactive docs load their scripts and styles from the service itself
# (api/routes); each page starts its viewer with an inline script, the viewers
# set inline styles as they draw, and ReDoc searches in a worker it makes from
# a blob. ReDoc's footer asks cdn.redoc.ly for a logo: refused here.
DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; "
    b"style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src blob:; "
    b"frame-ancestors 'none'"
)

# (path prefix, Content-Security-Policy), the first matching prefix wins.
PAGE_POLICIES: tuple[tuple[str, bytes], ...] = (
    ("/docs", DOCS_CSP),
    ("/redoc", DOCS_CSP),
)
