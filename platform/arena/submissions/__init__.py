"""Submissions: uploads, archive safety, quotas, validation and the submission state machine."""
