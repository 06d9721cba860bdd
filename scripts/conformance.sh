#!/usr/bin/env bash
# Runs the official MCP conformance suite (server scenarios, over HTTP) against the built server, at
# both protocol revisions it serves on one /mcp: 2025-11-25 and 2026-07-28 (`--requirements`: exactly
# the scenarios each revision requires). The runner needs Node 22, taken from the node@22 npm package.
# Fixture-only scenarios are listed, with reasons, in test/conformance/baseline-<revision>.yml; the
# runner exits non-zero on any other failure, and on a listed scenario that passes (stale entry).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f dist/src/cli.js ]] || npm run build
suite="@modelcontextprotocol/conformance@0.2.0-alpha.12"
work=$(mktemp -d)
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
# Default limits: the runner is one anonymous caller that opens ~30 sessions and never deletes
# them, at both revisions; without tokens only http.maxSessions bounds sessions, and only tool
# calls are rate-counted (a burst of http.rateLimitBurst): the defaults must let it through.
node dist/src/cli.js serve --transport http --host 127.0.0.1 --port "$port" --insecure-no-auth \
  --workspace "$work/ws" --state-dir "$work/state" --log-level warn >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
for revision in 2025-11-25 2026-07-28; do
  echo "== MCP $revision"
  baseline="$PWD/test/conformance/baseline-$revision.yml"
  (cd "$work" && npx -y -p node@22 -p "$suite" -c \
    "conformance server --url http://127.0.0.1:$port/mcp --requirements $revision --expected-failures $baseline -o $work/results-$revision")
done
