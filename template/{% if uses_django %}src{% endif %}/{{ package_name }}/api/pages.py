"""The HTML pages the API serves beside its JSON, and what each may load."""

# The interactive docs load their scripts and styles from the service itself
# (django-ninja's static files), and the viewers set inline styles as they draw.
SWAGGER_UI_CSP = (
    b"default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    b"frame-ancestors 'none'"
)
# ReDoc's page starts it with an inline script, and ReDoc searches in a worker
# it makes from a blob. Its footer asks cdn.redoc.ly for a logo: refused here.
REDOC_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; "
    b"style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src blob:; "
    b"frame-ancestors 'none'"
)
ADMIN_CSP = b"default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"

# (path prefix, Content-Security-Policy), the first matching prefix wins.
PAGE_POLICIES: tuple[tuple[str, bytes], ...] = (
    ("/docs", SWAGGER_UI_CSP),
    ("/redoc", REDOC_CSP),
    # Django's admin serves its own styles and scripts.
    ("/admin/", ADMIN_CSP),
    ("/static/admin/", ADMIN_CSP),
)
