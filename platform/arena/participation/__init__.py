"""Registrations of users to challenges, and teams."""
