"""Scoring of submissions with the evaluators library; results written once per attempt."""
