FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements/runtime.txt requirements/
RUN pip install --no-cache-dir --require-hashes -r requirements/runtime.txt
COPY messages messages
COPY config config
COPY templates templates
COPY workers workers
RUN pip install --no-cache-dir --no-deps --no-build-isolation . && useradd --system --uid 10001 permis \
    && mkdir /keys && chown permis /keys
# A number, not a name: Kubernetes can only check runAsNonRoot against a numeric user.
USER 10001
ENTRYPOINT ["permis"]
CMD ["run"]
