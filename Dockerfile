# One image for web, Celery worker and Celery beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image. docker-compose.yml shares /app/staticfiles with
# nginx through a volume, which web refreshes with collectstatic at start (so web's user owns
# it); WhiteNoise serves them when gunicorn runs without nginx. Settings refuse to load
# without SECRET_KEY and SITE_URL when DEBUG is off, so the build uses throwaway ones; the
# real values come from the environment at run time.
RUN SECRET_KEY=collectstatic-only-not-a-secret SITE_URL=http://localhost:8000 DEBUG=0 \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --home-dir /app bzpeer && mkdir -p /app/var \
    && chown bzpeer /app/var && chown -R bzpeer /app/staticfiles
USER bzpeer

EXPOSE 8000
CMD ["gunicorn", "bzpeer.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", \
     "--no-control-socket", "--access-logfile", "-"]
