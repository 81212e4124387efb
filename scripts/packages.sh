# Installs the Debian packages the build and tests need, when missing (sourced by scripts/run
# and scripts/test). liblz4-dev: the journal's snapshots (CLZ4); lz4: the command the tests
# check our frames against; libpq-dev: the PostgreSQL persister (CLibPQ); postgresql-15: the
# server binaries the tests start throwaway clusters with; postgresql-client: psql;
# redis-server: the peer seat-load's tests and benchmarks run the same workloads against;
# libssl-dev: OpenSSL's libcrypto, AES-256-GCM for the journal and snapshots at rest (CCrypto);
# libqrencode-dev: the e-tickets' QR codes (CQRencode); zbar-tools: the scanner the tests read
# those codes back with.
debian_packages=(liblz4-dev lz4 libpq-dev libssl-dev libqrencode-dev postgresql-15 postgresql-client-15 redis-server zbar-tools)
missing_packages=()
for package in "${debian_packages[@]}"; do
    dpkg -s "$package" > /dev/null 2>&1 || missing_packages+=("$package")
done
if ((${#missing_packages[@]})); then
    echo "== installing ${missing_packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_packages[@]}" > /dev/null
fi
