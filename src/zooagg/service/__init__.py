"""The live aggregation server (`zooagg serve`).

- `caesar`: the stateless endpoints Zooniverse's Caesar calls (`/extractors/<name>`, ...).
- `store`, `models`, `migrations/`: the database (SQLite file by default, PostgreSQL by URL).
- `ingest`, `writer`, `rebuild`, `downloads`: live projects: each classification stored once,
  extracted, and its subject's reductions updated in the same transaction (the writer puts
  the posts that arrive together into one transaction).
- `api`, `web`, `auth`: the JSON API, the web pages and the accounts behind both.

Nothing in `tasks/` or `engine/` knows it is being served: this package only calls them.
"""
