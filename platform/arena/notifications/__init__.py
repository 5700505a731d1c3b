"""In-app notifications (and the matching emails through Django's email backend)."""
