#!/usr/bin/env bash
# Make every secret file compose.yaml names, except the audit signing key (made, and recorded in
# the audit log, by `zhongtai audit key create`: see infra/README.md "Secrets and keys").
#
#   infra/compose/generate-secrets.sh DIR HOSTNAME
#
# Refuses to overwrite: an existing DIR/zhongtai.env means secrets exist (rotating one is a
# deliberate act, described in infra/README.md). Run as root to give each file to the user of
# the container that reads it (10001 Zhongtai/Airflow, 999 PostgreSQL and Valkey, 101 nginx);
# otherwise the chown commands are printed for root to run. Needs only bash, openssl, od and tr.
set -euo pipefail
umask 077

dir="${1:?usage: generate-secrets.sh DIR HOSTNAME}"
host="${2:?usage: generate-secrets.sh DIR HOSTNAME}"
days="${DEPLOY_CERT_DAYS:-825}"
if [[ -e "$dir/zhongtai.env" ]]; then
  echo "$dir/zhongtai.env exists: secrets were made already; refusing to overwrite" >&2
  exit 1
fi
mkdir -p "$dir/keys" "$dir/tls"

hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }   # URL- and DSN-safe
put() { printf '%s' "$2" > "$dir/$1"; }

pg_super=$(hex 24); pg_zt=$(hex 24); pg_lake=$(hex 24); pg_af=$(hex 24)
broker=$(hex 24); s3_id="zhongtai-$(hex 6)"; s3_secret=$(hex 24)
put pg_superuser_password "$pg_super"
put pg_zhongtai_password "$pg_zt"
put pg_zhongtai_lake_password "$pg_lake"
put pg_airflow_password "$pg_af"
put minio_root_user "root-$(hex 6)"
put minio_root_password "$(hex 24)"
put zhongtai_s3_access_key_id "$s3_id"
put zhongtai_s3_secret_access_key "$s3_secret"
printf 'requirepass %s\nappendonly yes\nprotected-mode yes\n' "$broker" > "$dir/broker.conf"
put airflow_db_url "postgresql+psycopg://airflow:$pg_af@postgres:5432/airflow"
put airflow_result_backend "db+postgresql+psycopg://airflow:$pg_af@postgres:5432/airflow"
put airflow_broker_url "redis://:$broker@broker:6379/0"
# Fernet: 32 random bytes, URL-safe base64.
put airflow_fernet_key "$(openssl rand 32 | openssl base64 -A | tr '+/' '-_')"
put airflow_api_secret_key "$(hex 32)"
put airflow_jwt_secret "$(hex 32)"
put airflow_passwords.json "{\"admin\": \"$(hex 16)\"}"
cat > "$dir/zhongtai.env" <<ENV
# Zhongtai's secret settings (ZHONGTAI_ENV_FILE); the rest are in compose.yaml's environment.
ZHONGTAI_CATALOG_URL=postgresql+psycopg://zhongtai:$pg_zt@postgres:5432/zhongtai
ZHONGTAI_LAKE_CATALOG=postgres:dbname=zhongtai_lake host=postgres port=5432 user=zhongtai_lake password=$pg_lake
ZHONGTAI_SECRET_KEY=$(hex 32)
ZHONGTAI_S3_ACCESS_KEY_ID=$s3_id
ZHONGTAI_S3_SECRET_ACCESS_KEY=$s3_secret
ENV
# The mask master key: exactly 32 random bytes (no zhongtai command makes it).
openssl rand 32 > "$dir/keys/mask.key"

# TLS: a platform CA signs the server certificate; the department CA signs department systems'
# client certificates; the operator CA signs operators' (Airflow's UI). Where the province has
# its own CA, put its certificates here instead and skip these.
ca() {  # name subject
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "$2" -keyout "$dir/tls/$1.key" -out "$dir/tls/$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2> /dev/null
}
ca server-ca "/O=Zhongtai/CN=Zhongtai Platform CA"
ca department-ca "/O=Zhongtai/CN=Zhongtai Department CA"
ca operator-ca "/O=Zhongtai/CN=Zhongtai Operator CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=Zhongtai/CN=$host" \
  -keyout "$dir/tls/privkey.pem" -out "$dir/tls/server.csr" 2> /dev/null
openssl x509 -req -in "$dir/tls/server.csr" -CA "$dir/tls/server-ca.pem" \
  -CAkey "$dir/tls/server-ca.key" -CAcreateserial -days "$days" -out "$dir/tls/server.pem" \
  -extfile <(printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' "$host") 2> /dev/null
cat "$dir/tls/server.pem" "$dir/tls/server-ca.pem" > "$dir/tls/fullchain.pem"
cat "$dir/tls/department-ca.pem" "$dir/tls/operator-ca.pem" > "$dir/tls/client-ca.pem"
rm -f "$dir/tls/server.csr" "$dir/tls/server.pem"

owners=(
  "10001:10001 zhongtai.env keys airflow_db_url airflow_broker_url airflow_result_backend airflow_fernet_key airflow_api_secret_key airflow_jwt_secret airflow_passwords.json"
  "999:999 pg_superuser_password pg_zhongtai_password pg_zhongtai_lake_password pg_airflow_password"
  "999:1000 broker.conf"
  "101:101 tls/fullchain.pem tls/privkey.pem tls/client-ca.pem"
)
for line in "${owners[@]}"; do
  read -r owner files <<< "$line"
  for f in $files; do
    if [[ $EUID -eq 0 ]]; then chown -R "$owner" "$dir/$f"; else echo "chown -R $owner $dir/$f"; fi
  done
done
echo "secrets written to $dir; CA private keys are in $dir/tls/*-ca.key: move them offline."
echo "next: the audit signing key (infra/README.md, 'Secrets and keys')."
