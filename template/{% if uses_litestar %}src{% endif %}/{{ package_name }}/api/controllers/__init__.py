"""Request handlers: parse the request, call a business service, shape the response."""
