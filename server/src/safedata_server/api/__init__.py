"""The REST API: thin FastAPI routes over :mod:`safedata_server.services`."""
