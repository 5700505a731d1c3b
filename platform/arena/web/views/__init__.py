"""Views of the web UI, one module per area (pages, accounts, submissions, leaderboards,
organizer, notifications, assets)."""
