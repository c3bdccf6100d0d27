# Production image: gunicorn web, celery worker and beat all run from this image.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=psp.settings.base
WORKDIR /app
COPY requirements.lock pyproject.toml ./
# Runtime dependencies only: requirements.lock pins the application and its dependencies; the
# development and test tools are in requirements-dev.lock, which the image never installs.
RUN pip install --no-cache-dir --no-deps -r requirements.lock && pip check
COPY . .
# collectstatic needs a key to import settings; the real one comes from the environment at run time.
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput
# The folders the compose volumes mount exist in the image, so new volumes start owned by psp.
RUN useradd --system --home /app psp && mkdir -p /app/var/uploads /app/var/media \
    && chown -R psp /app/var
USER psp
EXPOSE 8000
CMD ["gunicorn", "psp.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
