#!/bin/sh
# First start of the PostgreSQL container only (docker-entrypoint-initdb.d): three roles, three
# databases, each role owning its own and reaching no other. Passwords come from secret files.
#   zhongtai       → database zhongtai       (the catalog: system of record, audit chain)
#   zhongtai_lake  → database zhongtai_lake  (DuckLake's metadata catalog)
#   airflow        → database airflow        (Airflow's metadata)
set -eu

secrets="${ZHONGTAI_INIT_SECRETS:-/run/secrets}"  # tests point this elsewhere
password() { tr -d '\n' < "$secrets/$1"; }

create() {  # role database password-secret
    pw="$(password "$3")"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v role="$1" -v db="$2" -v pw="$pw" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"role" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
\connect :"db"
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO :"role";
SQL
}

create zhongtai zhongtai pg_zhongtai_password
create zhongtai_lake zhongtai_lake pg_zhongtai_lake_password
create airflow airflow pg_airflow_password
# scram-sha-256 is the image's default password_encryption on PostgreSQL 15.
