FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY messages messages
COPY config config
COPY templates templates
COPY workers workers
RUN pip install --no-cache-dir . && useradd --system permis \
    && mkdir /keys && chown permis /keys
USER permis
ENTRYPOINT ["permis"]
CMD ["run"]
