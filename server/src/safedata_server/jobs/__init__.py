"""Durable jobs: state in the database, work in worker processes (:mod:`.executor`, :mod:`.worker`)."""
