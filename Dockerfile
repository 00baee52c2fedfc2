# The API and worker image. Production points it at real PostgreSQL and Redis
# (see docker-compose.yml); the embedded servers are never started there.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY migrations ./migrations
RUN pip install . && useradd --system --uid 10001 lessonstudy

USER lessonstudy
EXPOSE 8000
CMD ["lessonstudy", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-worker", "--no-migrate"]
