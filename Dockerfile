# consentgate: the REST service on the embedded SQLite database (set DATABASE_URL for PostgreSQL).
FROM python:3.11-slim
WORKDIR /srv/consentgate
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY requirements-runtime.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements-runtime.lock
COPY app ./app
# Read beside app/ at run time: `consentgate seed` imports scripts/seed.py, the web's policy
# lab runs scenarios/smalltown.toml. Installed in place (-e), as `make install` does, so the
# code finds them here as in a checkout (tests/test_dockerfile.py).
COPY scripts ./scripts
COPY scenarios ./scenarios
RUN pip install --no-cache-dir --no-deps -e . && useradd --create-home consentgate \
    && mkdir -p var && chown consentgate var
USER consentgate
EXPOSE 8000
# Production refuses to start without CONSENTGATE_SECRET (at least 32 bytes) and
# CONSENTGATE_LOG_KEY (`consentgate audit keygen`; docs/audit.md).
ENV CONSENTGATE_ENV=production
CMD ["consentgate", "serve", "--host", "0.0.0.0", "--port", "8000"]
