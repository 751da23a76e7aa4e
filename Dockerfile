# consentgate: the REST service on the embedded SQLite database (set DATABASE_URL for PostgreSQL).
FROM python:3.11-slim
WORKDIR /srv/consentgate
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY requirements-runtime.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements-runtime.lock
COPY app ./app
COPY scripts ./scripts
RUN pip install --no-cache-dir --no-deps . && useradd --create-home consentgate \
    && mkdir -p var && chown consentgate var
USER consentgate
EXPOSE 8000
# Production refuses to start without CONSENTGATE_SECRET (at least 32 bytes).
ENV CONSENTGATE_ENV=production
CMD ["consentgate", "serve", "--host", "0.0.0.0", "--port", "8000"]
