# Installs missing Debian packages (sourced by scripts/run and scripts/test): the ones building
# and running need, and, when the sourcing script sets `package_purpose=test`, the ones only the
# tests use.
#   build and run: liblz4-dev, the journal's snapshots (CLZ4); libpq-dev, the PostgreSQL
#     persister (CLibPQ); libssl-dev, OpenSSL's libcrypto, AES-256-GCM for the journal and
#     snapshots at rest (CCrypto); libqrencode-dev, the e-tickets' QR codes (CQRencode).
#   tests only: lz4, the command the tests check our frames against; postgresql-15 and
#     postgresql-client-15, the server binaries and psql of the tests' throwaway clusters;
#     redis-server, the peer seat-load's tests and benchmarks run the same workloads against;
#     zbar-tools, the scanner the tests read the QR codes back with.
debian_packages=(liblz4-dev libpq-dev libssl-dev libqrencode-dev)
if [[ ${package_purpose:-run} == test ]]; then
    debian_packages+=(lz4 postgresql-15 postgresql-client-15 redis-server zbar-tools)
fi
missing_packages=()
for package in "${debian_packages[@]}"; do
    dpkg -s "$package" > /dev/null 2>&1 || missing_packages+=("$package")
done
if ((${#missing_packages[@]})); then
    echo "== installing ${missing_packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_packages[@]}" > /dev/null
fi
