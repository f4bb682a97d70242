"""Route modules, one per resource; each handler is one :func:`~safedata_server.api.calls.call`."""
