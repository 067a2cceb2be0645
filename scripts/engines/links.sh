# shellcheck shell=bash
# Secured links to Kafka and Redis for the backend tests. Sourced by lib.sh.
#
# Once per run dir, in $RUN_DIR/links (mode 700): a throwaway CA, a server certificate
# (SAN 127.0.0.1 and localhost) and a client certificate it signs, and the passwords of
# Kafka's SCRAM user and Redis's ACL user (both named ragplane). Kafka and Redis keep
# their plaintext listeners; these are extra listeners of the same processes:
#   KAFKA_SECURE_PORT (9094)  SASL_SSL, SCRAM-SHA-512
#   KAFKA_MTLS_PORT   (9095)  SSL, a client certificate required
#   REDIS_SECURE_PORT (6380)  TLS, a client certificate optional; the ACL user needs its password
# stop.sh removes the directory once neither engine runs.

KAFKA_SECURE_PORT=${KAFKA_SECURE_PORT:-9094}
KAFKA_MTLS_PORT=${KAFKA_MTLS_PORT:-9095}
REDIS_SECURE_PORT=${REDIS_SECURE_PORT:-6380}
LINKS_USER=ragplane

links_dir() { printf '%s/links' "$RUN_DIR"; }

# Makes the CA, the certificates and the passwords, unless the run dir has them already
# (a restart, or the other engine's start, reuses them).
links_init() {
  local d
  d=$(links_dir)
  mkdir -p "$d"
  chmod 700 "$d"
  (
    flock -w 60 6 || die "timed out waiting for $d/.lock"
    [[ -s $d/env ]] && exit 0
    umask 077
    openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
      -subj "/CN=ragplane engines test CA" -keyout "$d/ca.key" -out "$d/ca.pem" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    links_leaf "$d" server localhost "extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1"
    links_leaf "$d" client "$LINKS_USER" "extendedKeyUsage=clientAuth"
    # Kafka's PEM key store: the key, then the chain
    cat "$d/server.key" "$d/server.pem" "$d/ca.pem" >"$d/kafka-keystore.pem"
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$d/kafka-password"
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$d/redis-password"
    {
      echo "export SECURE_ENGINES_CA_FILE=$(printf '%q' "$d/ca.pem")"
      echo "export SECURE_ENGINES_CLIENT_CERT_FILE=$(printf '%q' "$d/client.pem")"
      echo "export SECURE_ENGINES_CLIENT_KEY_FILE=$(printf '%q' "$d/client.key")"
    } >"$d/env"
    log "made a throwaway CA and certificates in $d"
  ) 6>"$d/.lock"
}

# links_leaf DIR NAME CN EXTENSIONS: a key and a certificate signed by DIR's CA.
links_leaf() {
  local d=$1 name=$2 cn=$3 extensions=$4
  openssl_quiet req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
    -keyout "$d/$name.key" -out "$d/$name.csr"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n%s\n' \
    "$extensions" >"$d/$name.ext"
  openssl_quiet x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
    -CAcreateserial -days 30 -extfile "$d/$name.ext" -out "$d/$name.pem"
  rm -f "$d/$name.csr" "$d/$name.ext"
}

openssl_quiet() {
  local out
  out=$(openssl "$@" 2>&1) || {
    printf '%s\n' "$out" >&2
    die "openssl $1 failed"
  }
}

links_password() { cat "$(links_dir)/$1-password"; }

# Removes the links once neither Kafka nor Redis runs on them (called by stop.sh).
links_remove_if_unused() {
  engine_pid kafka >/dev/null || engine_pid redis >/dev/null || rm -rf "$(links_dir)"
}

# The lines of server.properties that open Kafka's secured listeners.
kafka_links_properties() {
  local d
  d=$(links_dir)
  cat <<EOF
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=$d/kafka-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$d/ca.pem
listener.name.ssl.ssl.client.auth=required
EOF
}

# The SCRAM user, written into the metadata log when the storage is formatted.
kafka_links_format_args() {
  printf '%s\n' --add-scram "SCRAM-SHA-512=[name=$LINKS_USER,password=$(links_password kafka)]"
}

kafka_links_env() {
  echo "export SECURE_KAFKA_BROKERS=127.0.0.1:$KAFKA_SECURE_PORT"
  echo "export SECURE_KAFKA_MTLS_BROKERS=127.0.0.1:$KAFKA_MTLS_PORT"
  echo "export SECURE_KAFKA_SASL_USERNAME=$LINKS_USER"
  echo "export SECURE_KAFKA_SASL_PASSWORD=$(links_password kafka)"
}

# Redis's TLS port and ACL user, as a config file (mode 600: it holds the password) that
# redis-server reads before its command-line settings.
redis_links_conf() {
  local d conf=$1
  d=$(links_dir)
  (
    umask 077
    cat >"$conf" <<EOF
tls-port $REDIS_SECURE_PORT
tls-cert-file $d/server.pem
tls-key-file $d/server.key
tls-ca-cert-file $d/ca.pem
tls-auth-clients optional
user $LINKS_USER on >$(links_password redis) ~* &* +@all
EOF
  )
}

redis_links_env() {
  echo "export REDIS_SECURE_PORT=$REDIS_SECURE_PORT"
  echo "export SECURE_REDIS_URL=rediss://$LINKS_USER@127.0.0.1:$REDIS_SECURE_PORT"
  echo "export SECURE_REDIS_PASSWORD=$(links_password redis)"
}
