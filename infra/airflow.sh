#!/usr/bin/env bash
# `make airflow`: Airflow 3 against the project's DAGs, with embedded defaults — an Airflow home
# under the var dir (SQLite metadata DB, LocalExecutor), the simple auth manager, the API server on
# 127.0.0.1:${AIRFLOW_PORT:-8080} — and its four components (api-server, scheduler,
# dag-processor, triggerer) in the foreground; Ctrl-C stops them all.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${VENV:-$REPO/.venv}"
VAR="$(realpath -m "${ZHONGTAI_VAR_DIR:-$REPO/var}")"
PORT="${AIRFLOW_PORT:-8080}"
export ZHONGTAI_VAR_DIR="$VAR"
export AIRFLOW_HOME="$VAR/airflow"
mkdir -p "$AIRFLOW_HOME"
if [[ ! -s "$AIRFLOW_HOME/jwt_secret" ]]; then  # one secret all four components share
  (umask 077; "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))' \
    > "$AIRFLOW_HOME/jwt_secret")
fi
export AIRFLOW__CORE__DAGS_FOLDER="$REPO/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
# The executor and metadata database the settings choose (ZHONGTAI_AIRFLOW_EXECUTOR,
# ZHONGTAI_AIRFLOW_DATABASE_URL; default LocalExecutor on SQLite in the Airflow home).
airflow_env="$("$VENV/bin/zhongtai" config airflow-env)"
while IFS= read -r line; do export "$line"; done <<<"$airflow_env"
export AIRFLOW__CORE__AUTH_MANAGER=airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${AIRFLOW_ADMIN:-admin}:admin"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$AIRFLOW_HOME/passwords.json"
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="$PORT"
export AIRFLOW__API__BASE_URL="http://127.0.0.1:$PORT"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$PORT/execution/"
AIRFLOW__API_AUTH__JWT_SECRET="$(cat "$AIRFLOW_HOME/jwt_secret")"
export AIRFLOW__API_AUTH__JWT_SECRET
AIRFLOW="$VENV/bin/airflow"

"$AIRFLOW" db migrate > "$AIRFLOW_HOME/migrate.log" 2>&1 || { tail -20 "$AIRFLOW_HOME/migrate.log"; exit 1; }
# One DAG a dataset the catalog registers; before the catalog exists, the contracts on disk.
"$VENV/bin/zhongtai" lake dag-manifest > /dev/null 2>&1 \
  || echo "no catalog yet (make demo creates one): DAGs from the contracts on disk"

pids=()
stop() { kill "${pids[@]}" 2> /dev/null || true; wait || true; }
trap stop EXIT INT TERM
for component in api-server scheduler dag-processor triggerer; do
  "$AIRFLOW" "$component" > "$AIRFLOW_HOME/$component.log" 2>&1 &
  pids+=("$!")
done
echo "Airflow: http://127.0.0.1:$PORT — sign in as admin, password in $AIRFLOW_HOME/passwords.json"
echo "logs: $AIRFLOW_HOME/{api-server,scheduler,dag-processor,triggerer}.log; Ctrl-C stops all four"
wait -n "${pids[@]}"
echo "an Airflow component stopped; stopping the others (see its log)" >&2
exit 1
