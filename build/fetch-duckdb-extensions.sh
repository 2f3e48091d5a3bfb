#!/usr/bin/env bash
# Fetches the DuckDB extensions (ducklake, httpfs, postgres_scanner) of exactly the
# pinned DuckDB version from PyPI wheels, checks each wheel's SHA-256 (pip --require-hashes)
# and unpacks the .duckdb_extension files into DuckDB's directory layout:
#   <out>/v<duckdb>/<platform>/<name>.duckdb_extension
# Usage: build/fetch-duckdb-extensions.sh <out-dir> [platform ...]   (default: linux_amd64)
# Wheels are cached in ${LAKELOG_WHEEL_CACHE:-$HOME/.cache/lakelog/wheels}.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: fetch-duckdb-extensions.sh <out-dir> [platform ...]}
shift
platforms=("$@")
[ ${#platforms[@]} -gt 0 ] || platforms=(linux_amd64)
duckdb_version=v1.5.5
cache=${LAKELOG_WHEEL_CACHE:-$HOME/.cache/lakelog/wheels}
py=$(command -v python3 || command -v python) || { echo "fetch-duckdb-extensions: python3 with pip is required" >&2; exit 1; }
for platform in "${platforms[@]}"; do
  case "$platform" in
    linux_amd64) wheel_platform=manylinux2014_x86_64 ;;
    linux_arm64) wheel_platform=manylinux2014_aarch64 ;;
    *) echo "fetch-duckdb-extensions: unsupported platform $platform" >&2; exit 1 ;;
  esac
  dest="$out/$duckdb_version/$platform"
  if [ -f "$dest/ducklake.duckdb_extension" ] && [ -f "$dest/httpfs.duckdb_extension" ] \
     && [ -f "$dest/postgres_scanner.duckdb_extension" ] && [ -f "$dest/.lock" ] \
     && cmp -s "$dest/.lock" "$here/duckdb-extensions-$platform.txt"; then
    continue
  fi
  mkdir -p "$cache/$platform" "$dest"
  "$py" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform "$wheel_platform" --python-version 3.11 --require-hashes \
    -r "$here/duckdb-extensions-$platform.txt" -d "$cache/$platform"
  "$py" - "$cache/$platform" "$dest" "$duckdb_version" <<'PY'
import sys, zipfile, glob, os
cache, dest, version = sys.argv[1:4]
names = {"ducklake", "httpfs", "postgres_scanner"}
found = set()
for whl in glob.glob(os.path.join(cache, "duckdb_extension_*-1.5.5-*.whl")):
    with zipfile.ZipFile(whl) as z:
        for n in z.namelist():
            if n.endswith(".duckdb_extension") and f"/extensions/{version}/" in n:
                base = os.path.basename(n)
                ext = base[: -len(".duckdb_extension")]
                if ext in names:
                    tmp = os.path.join(dest, base + ".tmp")
                    with z.open(n) as src, open(tmp, "wb") as dst:
                        dst.write(src.read())
                    os.replace(tmp, os.path.join(dest, base))
                    found.add(ext)
missing = names - found
if missing:
    sys.exit(f"fetch-duckdb-extensions: wheels lack {sorted(missing)} for {version}")
PY
  cp "$here/duckdb-extensions-$platform.txt" "$dest/.lock"
  echo "fetch-duckdb-extensions: $dest ready"
done
