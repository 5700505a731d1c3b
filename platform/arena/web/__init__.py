"""The Arena web UI: Django templates over the platform's models and services."""
