"""WSGI entry point: ``gunicorn app:app`` (the graph loads when the app is created)."""

from crm_kg.web import create_app

app = create_app()
