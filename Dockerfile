# zooagg server image. The install is `make venv`, the very target CI runs (`make test` depends on
# it), so the image runs what CI tested. Not built or run in this repository's own checks.
#
#   docker build -t zooagg .
#   docker run -p 127.0.0.1:8000:8000 -v zooagg-data:/data zooagg
#   docker compose up            # with PostgreSQL: see compose.yaml
FROM python:3.11-slim-bookworm

RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
# a local .venv copied in with the sources would make `make venv` think it is done
RUN rm -rf .venv .peer-venv && make venv PYTHON=python3.11 && rm -rf /var/lib/apt/lists/* /root/.cache

ENV PATH=/app/.venv/bin:$PATH
RUN useradd --create-home --uid 10001 zooagg && mkdir -p /data && chown zooagg /data
USER zooagg
VOLUME /data
EXPOSE 8000
# inside the container the server must listen on every interface; publish the port on the
# host's 127.0.0.1 (as compose.yaml does) unless it sits behind a proxy
CMD ["zooagg", "serve", "--host", "0.0.0.0", "--port", "8000", "--data-dir", "/data"]
