# arcircle, production image: `arcircle serve` (every messenger's routes, /healthz, /metrics)
# with its jobs; config and a SQLite database on the /data volume unless DATABASE_URL says
# otherwise. deploy/compose.yaml runs two replicas on PostgreSQL.
#   docker build -t arcircle .
#   docker run -p 3000:3000 -v "$PWD/data:/data" --env-file secrets.env arcircle
#   docker run -it -v "$PWD/data:/data" arcircle run       # the console, SQLite in /data
#
# Two stages: wheels are built with the compiler in the first, the second holds only the
# runtime (no compiler, no pip cache), runs as an unprivileged user, and checks /healthz.
# Versions are pinned: the base image by tag, Debian packages by version, Python packages
# by deploy/requirements.txt (`make lock` writes it from a clean install).

FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY deploy/requirements.txt ./requirements.txt
RUN pip wheel --wheel-dir /wheels -r requirements.txt
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY jobs ./jobs
COPY playbook ./playbook
COPY storage ./storage
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A CJK font, so the digest chart draws its Chinese labels (jobs/chart_fonts.py finds it).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-wqy-microhei=0.2.0-beta-3.1 fontconfig=2.14.1-4 \
    && rm -rf /var/lib/apt/lists/*

COPY --from=build /wheels /wheels
COPY deploy/requirements.txt /wheels/requirements.txt
RUN pip install --no-index --find-links=/wheels --requirement /wheels/requirements.txt \
    && pip install --no-index --no-deps /wheels/arcircle-*.whl \
    && rm -rf /wheels

WORKDIR /app
COPY examples ./examples
COPY config.yaml ./config.example.yaml
RUN useradd --create-home --uid 10001 arcircle \
    && mkdir -p /data \
    && chown -R 10001 /data

ENV ARCIRCLE_CONFIG=/data/config.yaml \
    DATABASE_URL=sqlite:////data/arcircle.db \
    ARCIRCLE_SAMPLE_LEDGER=/app/examples/sample_ledger.csv

VOLUME ["/data"]
EXPOSE 3000
USER 10001
# /healthz answers while the server runs (server.port, 3000 by default); `arcircle run`, which
# serves no HTTP, needs `docker run --no-healthcheck`.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
# A fresh volume gets the example config, so the first `docker run` already works.
ENTRYPOINT ["sh", "-c", "[ -f \"$ARCIRCLE_CONFIG\" ] || cp /app/config.example.yaml \"$ARCIRCLE_CONFIG\"; exec arcircle \"$@\"", "arcircle"]
CMD ["serve"]
