# The Pilot Monitor image. Built from python:3.11-slim by default; any Debian-based image with
# Python 3.11 and its venv module will do (BASE_IMAGE). Wheels found in wheels/ are installed
# offline (make wheels); with none there, pip installs from the package index.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

# The monitor's own user; compose runs it as the owner of the logs folder and adds the Docker
# socket's group (compose.pilot.yml), so this is only the default.
RUN groupadd --system --gid 10001 monitor \
    && useradd --system --uid 10001 --gid monitor --home-dir /app --no-create-home monitor

COPY pyproject.toml README.md /tmp/build/
COPY monitor/ /tmp/build/monitor/
COPY wheels/ /tmp/wheels/
RUN python3 -m venv /opt/venv \
    && if ls /tmp/wheels/*.whl >/dev/null 2>&1; then \
           /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /tmp/wheels /tmp/build; \
       else \
           /opt/venv/bin/pip install --no-cache-dir /tmp/build; \
       fi \
    && rm -rf /tmp/build /tmp/wheels \
    && /opt/venv/bin/python -c 'import monitor.cli'

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PILOT_HEARTBEAT_FILE=/tmp/pilot-monitor.heartbeat
WORKDIR /app
RUN mkdir -p /app/logs && chown monitor:monitor /app/logs
USER monitor

# Healthy while the pilot loop keeps its heartbeat's promise; a hung loop turns it unhealthy.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=2 \
    CMD ["python", "-m", "monitor.health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "monitor"]
CMD ["run"]
