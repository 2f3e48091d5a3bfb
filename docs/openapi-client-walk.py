#!/usr/bin/env python3
"""Walks lakelog's routes with a client GENERATED from docs/openapi.yaml (openapi-python-client), as a
user who never read lakelog's code would. Checked by hand against `lakelog serve` (docs/api.md):

    python3 -m venv /tmp/oapi && /tmp/oapi/bin/pip install openapi-python-client
    /tmp/oapi/bin/openapi-python-client generate --path docs/openapi.yaml --output-path /tmp/gen/client
    /tmp/oapi/bin/pip install -e /tmp/gen/client
    LAKELOG_DEV_TOKEN=devtoken LAKELOG_DEV_HMAC_SECRET=devsecret LAKELOG_DEV_OPERATOR_TOKEN=optoken \
        ./lakelog serve --port 18555 --data-dir /tmp/oc-data &
    ./lakelog tenant ingest-token create --id dev --name pyclient --data-dir /tmp/oc-data   # prints lli_...
    /tmp/oapi/bin/python docs/openapi-client-walk.py http://127.0.0.1:18555 <lli_...> devtoken optoken
"""
import datetime, sys, json
from lakelog_http_api_client import AuthenticatedClient, Client
from lakelog_http_api_client.api.ingest import ingest_one, ingest_batch, recent_logs
from lakelog_http_api_client.api.analytics import (analytics_logs, analytics_info, analytics_custom_query, analytics_snapshots,
    analytics_histogram, analytics_changes, analytics_named_queries, analytics_run_named_query, analytics_logs_at_snapshot)
from lakelog_http_api_client.api.rollup import rollup
from lakelog_http_api_client.api.maintenance import maintenance_compact, maintenance_cleanup, maintenance_expire_snapshots
from lakelog_http_api_client.api.operations import healthz, readyz
from lakelog_http_api_client.models import Event, CustomQueryRequest, Severity, Outcome
from lakelog_http_api_client.types import Response

base = sys.argv[1]; ingest_tok = sys.argv[2]; read_tok = sys.argv[3]; op_tok = sys.argv[4]
ingest = AuthenticatedClient(base_url=base, token=ingest_tok)
reader = AuthenticatedClient(base_url=base, token=read_tok)
op = AuthenticatedClient(base_url=base, token=op_tok)
anon = Client(base_url=base)
fails = 0
def check(name, r: Response, want=200):
    global fails
    ok = r.status_code == want and r.parsed is not None
    typ = type(r.parsed).__name__
    print(f"{'ok ' if ok else 'BAD'} {name}: {r.status_code} -> {typ}" + ("" if ok else f" {r.content[:300]!r}"))
    if not ok: fails += 1
    return r.parsed

now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
check("healthz", healthz.sync_detailed(client=anon))
check("readyz", readyz.sync_detailed(client=anon))
ev = Event(timestamp=now, event_type="AUTH_LOGIN", outcome=Outcome.SUCCESS, severity=Severity.INFO, message="from a generated client",
           trace_id="4bf92f3577b34da6a3ce929d0e0e4736", span_id="00f067aa0ba902b7")
check("ingest_one (ingest token)", ingest_one.sync_detailed(client=ingest, body=ev))
check("ingest_batch (ingest token)", ingest_batch.sync_detailed(client=ingest, body=[ev, ev]))
check("recent_logs offset=0", recent_logs.sync_detailed(client=reader, limit=10, offset=0))
check("rollup", rollup.sync_detailed(client=reader))
logs = check("analytics_logs trace_id", analytics_logs.sync_detailed(client=reader, trace_id="4bf92f3577b34da6a3ce929d0e0e4736", limit=10, offset=0))
if logs is not None and hasattr(logs, "logs"): print("   rows with the trace:", len(logs.logs))
check("analytics_logs severity", analytics_logs.sync_detailed(client=reader, severity=Severity.INFO, since=now - datetime.timedelta(hours=1)))
check("analytics_info", analytics_info.sync_detailed(client=reader))
check("analytics_custom_query", analytics_custom_query.sync_detailed(client=reader, body=CustomQueryRequest(query="SELECT count(*) AS n FROM logs")))
snaps = check("analytics_snapshots", analytics_snapshots.sync_detailed(client=reader))
check("analytics_histogram", analytics_histogram.sync_detailed(client=reader, since=now - datetime.timedelta(hours=1), until=now + datetime.timedelta(minutes=1)))
check("analytics_named_queries", analytics_named_queries.sync_detailed(client=reader))
if snaps is not None and hasattr(snaps, "snapshots") and snaps.snapshots:
    sid = max(s.snapshot_id for s in snaps.snapshots)
    check("analytics_changes", analytics_changes.sync_detailed(client=reader, from_snapshot=0, to_snapshot=sid))
    check(f"analytics_logs_at_snapshot {sid}", analytics_logs_at_snapshot.sync_detailed(str(sid), client=reader) if False else analytics_logs_at_snapshot.sync_detailed(sid, client=reader))
check("maintenance_compact (operator)", maintenance_compact.sync_detailed(client=op))
check("maintenance_expire_snapshots (operator)", maintenance_expire_snapshots.sync_detailed(client=op, older_than_days=90))
check("maintenance_cleanup (operator)", maintenance_cleanup.sync_detailed(client=op, older_than_hours=168, dry_run=True))
check("analytics_logs with the ingest token is refused", analytics_logs.sync_detailed(client=ingest), want=401)
print("failures:", fails)
sys.exit(1 if fails else 0)
