#!/usr/bin/env bash
# Runs the whole platform on this machine: the external-systems sandbox, one silo and the API host,
# on the embedded default (no database). Ctrl-C or SIGTERM stops all three.
#
# Overrides (all optional): CAAS_API_URL, CAAS_SILO_URL, CAAS_SANDBOX_URL, CAAS_CONFIGURATION
# (Release), CAAS_SKIP_BUILD=1. Any other setting passes through as .NET configuration, e.g.
# ConnectionStrings__Caas=... to run on PostgreSQL (apply the schema first: see README.md).
set -euo pipefail
cd "$(dirname "$0")"

api_url=${CAAS_API_URL:-http://127.0.0.1:5080}
silo_url=${CAAS_SILO_URL:-http://127.0.0.1:5081}
sandbox_url=${CAAS_SANDBOX_URL:-http://127.0.0.1:5090}
configuration=${CAAS_CONFIGURATION:-Release}
pids=()

stop_all() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo "stopping sandbox, silo and API host..."
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 1 100); do
      alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ "$alive" = 0 ] && break
      sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

if [ "${CAAS_SKIP_BUILD:-0}" != 1 ]; then
  echo "building ($configuration)..."
  dotnet build CaaS.sln -c "$configuration" -nologo -v quiet -clp:ErrorsOnly
fi

host() { echo "src/$1/bin/$configuration/net10.0/CaaS.$1.dll"; }

# Every system the silo calls defaults to the sandbox at its default address; point them at the
# sandbox actually started here.
for system in Customer Stripe Fleet Factory Iot Vss Registration Notifications; do
  export "Integrations__${system}__BaseUrl=${sandbox_url}"
done
export Platform__ApiBaseUrl="${api_url}"
# SEC-6: the sandbox is the OpenID Connect issuer; it and the API host both read its address here.
export Identity__Authority="${sandbox_url}"
# SEC-5: a local run is Development, the only environment that reads config/local.json's credentials;
# as anything else each host would refuse to start without production secrets.
export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development

ASPNETCORE_URLS="$sandbox_url" dotnet "$(host Sandbox)" & pids+=($!)
ASPNETCORE_URLS="$silo_url" dotnet "$(host Silo)" & pids+=($!)
ASPNETCORE_URLS="$api_url" dotnet "$(host ApiHost)" & pids+=($!)

echo "waiting for the platform to be ready..."
for _ in $(seq 1 120); do
  if curl -fsS "$api_url/health/ready" >/dev/null 2>&1 \
    && curl -fsS "$silo_url/health/ready" >/dev/null 2>&1 \
    && curl -fsS "$sandbox_url/health/ready" >/dev/null 2>&1; then
    cat <<EOT

CaaS platform is ready (embedded default: state in memory).
  API host  $api_url      (try $api_url/health/ready)
  silo      $silo_url      (health and /metrics)
  sandbox   $sandbox_url      (external systems and the OIDC issuer; POST /sandbox/token for a JWT)
Press Ctrl-C to stop.
EOT
    wait -n "${pids[@]}" || true
    echo "a host exited; stopping the others" >&2
    exit 1
  fi
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "a host failed to start (see its output above)" >&2
      exit 1
    fi
  done
  sleep 0.5
done
echo "the platform did not become ready within 60 s" >&2
exit 1
