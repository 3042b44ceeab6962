# zooagg server image: the runtime only (the 'server' and 'plot' extras), no compilers, no test
# tools, no browser, run as a non-root user. Not built in this repository's own checks (the
# machines that run them have no Docker engine).
#
#   docker build -t zooagg .
#   docker run -p 127.0.0.1:8000:8000 -v zooagg-data:/data zooagg
#   docker compose up            # with PostgreSQL: see compose.yaml

# ---- build a wheel (sources only: .dockerignore keeps .git, venvs, tokens and data out) ----
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# ---- the runtime image ----
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
COPY --from=build /wheels /wheels
RUN WHEEL=$(ls /wheels/zooagg-*.whl) \
    && pip install --no-cache-dir "${WHEEL}[server,plot]" \
    && rm -rf /wheels
RUN useradd --create-home --uid 10001 zooagg && mkdir -p /data && chown zooagg /data
USER zooagg
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/-/version', timeout=4)"]
# inside the container the server must listen on every interface; publish the port on the
# host's 127.0.0.1 (as compose.yaml does) unless it sits behind a proxy
CMD ["zooagg", "serve", "--host", "0.0.0.0", "--port", "8000", "--data-dir", "/data"]
