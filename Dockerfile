# Production image: gunicorn web, celery worker and beat all run from this image.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=psp.settings.base
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir --no-deps -r requirements.lock
COPY . .
# collectstatic needs a key to import settings; the real one comes from the environment at run time.
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --system --home /app psp && mkdir -p /app/var && chown -R psp /app/var
USER psp
EXPOSE 8000
CMD ["gunicorn", "psp.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
