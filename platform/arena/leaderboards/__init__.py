"""Leaderboards: ranking recompute per phase, rows for pages/API, CSV export."""
