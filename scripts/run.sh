#!/bin/sh
# One entry point for `npm start`, `npm test`, `npm run gen|bench|fable-jobs`.
# It makes a fresh machine (system Node 20, nothing else installed) ready on first run and
# is a no-op the second time: Node 24 and pnpm are installed under .cache/tools, and
# dependencies are reinstalled only when the lockfile changes.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS="$ROOT/.cache/tools"
NODE_WANT=24
PNPM_VERSION=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$ROOT/package.json")

log() { printf '\033[2m[fable-jobs setup]\033[0m %s\n' "$*" >&2; }

node_ok() {
  # Usable when >= 22.12 (the project's engines floor; fauxqs needs node:sqlite, vitest 5 needs 22.12).
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null
}

if [ -x "$TOOLS/node/bin/node" ] && node_ok "$TOOLS/node/bin/node"; then
  PATH="$TOOLS/node/bin:$PATH"
elif command -v node >/dev/null 2>&1 && node_ok node; then
  :
else
  log "installing Node $NODE_WANT into .cache/tools/node (system Node is $(node -v 2>/dev/null || echo missing))"
  npm install --global --no-fund --no-audit --loglevel=error --prefix "$TOOLS/node" "node@$NODE_WANT" >&2
  PATH="$TOOLS/node/bin:$PATH"
fi

if [ ! -x "$TOOLS/pnpm/bin/pnpm" ] || [ "$("$TOOLS/pnpm/bin/pnpm" --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  log "installing pnpm $PNPM_VERSION into .cache/tools/pnpm"
  npm install --global --no-fund --no-audit --loglevel=error --prefix "$TOOLS/pnpm" "pnpm@$PNPM_VERSION" >&2
fi
PATH="$TOOLS/pnpm/bin:$ROOT/node_modules/.bin:$PATH"
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
export PATH

# Reinstall dependencies only when a manifest or the lockfile changed.
STAMP="$ROOT/node_modules/.fable-jobs-install"
SUM=$(cat "$ROOT/pnpm-lock.yaml" "$ROOT/pnpm-workspace.yaml" "$ROOT"/package.json "$ROOT"/packages/*/package.json "$ROOT"/bench/package.json 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$SUM" ]; then
  log "installing dependencies (pnpm install --frozen-lockfile)"
  (cd "$ROOT" && pnpm install --frozen-lockfile --reporter=append-only >&2)
  echo "$SUM" > "$STAMP"
fi

cd "$ROOT"
CLI="packages/cli/src/main.ts"
cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  start) exec node "$CLI" start "$@" ;;
  # Three packages at a time: the suites spawn processes, ffmpeg and servers of their own, and ten
  # at once (turbo's default) on a 2-core machine starved them past their timeouts.
  test)  exec turbo run typecheck test --continue --concurrency=3 --output-logs=errors-only --log-order=grouped "$@" ;;
  gen)   exec node scripts/gen.ts "$@" ;;
  bench) exec node bench/run.ts "$@" ;;
  cli)   exec node "$CLI" "$@" ;;
  env)   exec "$@" ;;
  *) echo "usage: scripts/run.sh start|test|gen|bench|cli|env ..." >&2; exit 2 ;;
esac
