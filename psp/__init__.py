"""PSP Portfolio project package."""

from psp.celery import app as celery_app

__all__ = ("celery_app",)
