"""Challenges and their phases (task, kind, schedule, quotas, visibility, datasets)."""
