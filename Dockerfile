# planrisk serve: the gate where the platform enforces it (HCP Terraform run tasks, GitHub
# deployment protection rules, plan submission with OIDC). See the README's `planrisk serve`.
#
#   docker build -t planrisk-serve .
#   docker run -p 8080:8080 -v /srv/planrisk:/etc/planrisk:ro \
#     -e PLANRISK_STORE=postgresql://planrisk@db:5432/planrisk -e PGPASSWORD=... planrisk-serve
#
# The configuration (/etc/planrisk/planrisk.toml, its [serve] section and the secret files it
# names) is mounted read-only; the store is PostgreSQL, shared by every replica. One process
# per container: run more containers for more replicas.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY planrisk ./planrisk
COPY risk_models ./risk_models
RUN pip install ".[serve,postgres]" && rm -rf /src

# A system user without a home or a shell: the server writes nothing but the store.
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin planrisk
USER 10001:10001
WORKDIR /tmp

EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
# Exec form: the server is PID 1 and gets SIGTERM directly (it stops claiming jobs, finishes
# the ones in hand, and another replica takes any left once their lease expires).
CMD ["planrisk", "serve", "--config", "/etc/planrisk/planrisk.toml", "--host", "0.0.0.0", "--port", "8080"]
