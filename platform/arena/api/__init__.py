"""REST API v1 (token auth, OpenAPI at /api/v1/schema/)."""
