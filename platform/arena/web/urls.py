"""Web UI URLs (placeholder until platform-web's views land)."""

urlpatterns: list = []
