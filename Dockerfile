# arcircle: one process, config and database on the /data volume.
#   docker build -t arcircle .
#   docker run -it -v "$PWD/data:/data" arcircle            # console, SQLite in /data
#   docker run -v "$PWD/data:/data" -e DATABASE_URL=postgresql://... arcircle run
#   docker run -p 3000:3000 -v "$PWD/data:/data" --env-file secrets.env arcircle serve
#     (every messenger that takes HTTP, on one server: /slack/events, /wecom/callback,
#      /telegram/webhook, GET /healthz)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A CJK font, so the digest chart draws its Chinese labels (jobs/chart_fonts.py finds it).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei fontconfig \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY jobs ./jobs
COPY playbook ./playbook
COPY storage ./storage
RUN pip install .

COPY examples ./examples
COPY config.yaml ./config.example.yaml
RUN useradd --create-home --uid 10001 arcircle \
    && mkdir -p /data \
    && chown -R arcircle /data

ENV ARCIRCLE_CONFIG=/data/config.yaml \
    DATABASE_URL=sqlite:////data/arcircle.db \
    ARCIRCLE_SAMPLE_LEDGER=/app/examples/sample_ledger.csv

VOLUME ["/data"]
EXPOSE 3000
USER arcircle
# A fresh volume gets the example config, so the first `docker run` already works.
ENTRYPOINT ["sh", "-c", "[ -f \"$ARCIRCLE_CONFIG\" ] || cp /app/config.example.yaml \"$ARCIRCLE_CONFIG\"; exec arcircle \"$@\"", "arcircle"]
CMD ["run"]
