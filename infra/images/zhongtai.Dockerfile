# The one Zhongtai image: the exchange API, the `zhongtai` CLI and every Airflow component (a DAG
# task runs the same library), built from the lock with no network access at build time.
#
# Build context: a folder holding this repository's `wheelhouse/` (see infra/README.md, "Images":
# `uv export --frozen --no-dev` + `pip download`, plus the project's own wheel and
# apache-airflow-providers-celery, which the lock does not carry yet) and `dags/`.
#
#   docker build -f infra/images/zhongtai.Dockerfile \
#     --build-arg REGISTRY=registry.internal:5000 -t registry.internal:5000/zhongtai/zhongtai:0.1.0 .
ARG REGISTRY
FROM ${REGISTRY}/library/python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_INDEX=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/zhongtai/venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow

# libpq for psycopg's and DuckDB's PostgreSQL connections comes inside their wheels; tini reaps
# the Airflow workers' children. Both from the internal Debian mirror.
RUN apt-get update && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*

COPY wheelhouse/ /tmp/wheelhouse/
RUN python -m venv /opt/zhongtai/venv \
    && pip install --no-index --find-links /tmp/wheelhouse -r /tmp/wheelhouse/requirements.txt \
    && pip install --no-index --find-links /tmp/wheelhouse --no-deps zhongtai==0.1.0 \
    && python -m compileall -q /opt/zhongtai/venv \
    && rm -rf /tmp/wheelhouse

COPY dags/ /opt/zhongtai/dags/
RUN groupadd --system --gid 10001 zhongtai \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/zhongtai --shell /usr/sbin/nologin zhongtai \
    && mkdir -p /var/lib/zhongtai /opt/airflow/logs && chown -R 10001:10001 /var/lib/zhongtai /opt/airflow

USER 10001:10001
WORKDIR /var/lib/zhongtai
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["zhongtai", "--help"]
