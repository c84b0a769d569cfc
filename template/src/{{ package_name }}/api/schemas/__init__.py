"""Request and response bodies: the public shape of the API."""
