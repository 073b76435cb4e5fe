# syntax=docker/dockerfile:1
# table_bookings: one image, run as N identical instances behind the load balancer.
# Build:   docker build -t table-bookings:$(git rev-parse --short HEAD) .
# Release: run `manage.py collectstatic --noinput` and `manage.py migrate` ONCE from this
#          image (a one-off task), then roll the Auto Scaling group. Containers never
#          collect static files at start: N instances would race to upload them.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: compile wheels with the toolchain, keep it out of the runtime image ---
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential gettext \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --upgrade pip \
 && /opt/venv/bin/pip install -r /tmp/requirements.txt
COPY . /src
# Translations are compiled here, where gettext is installed.
RUN cd /src \
 && if [ -d locale ]; then /opt/venv/bin/python manage.py compilemessages; fi \
 && /opt/venv/bin/python -m compileall -q /src

# --- runtime ---
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_DEBUG=false
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Owned by root: the app user can read the code but not change it.
COPY --from=build --chown=root:root /src /app
USER app
EXPOSE 8000
# /healthz answers without the database or S3, whatever the Host header.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["gunicorn", "--config", "/app/gunicorn.conf.py"]
