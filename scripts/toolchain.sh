# Sourced by the scripts: puts the Swift toolchain on PATH where a non-login shell lacks it.
if ! command -v swift > /dev/null && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift > /dev/null || { echo "swift is not installed (expected on PATH or in /opt/swift)" >&2; exit 1; }
