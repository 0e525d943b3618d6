#!/usr/bin/env bash
# The default site's self-help programme in headless Chromium with JavaScript
# off: tests/browser/programme-walk.mjs walks each language's programme from
# its start page to the last step with "next" links and the keyboard only,
# and screenshots a step in English and Arabic into out/screenshots/.
. "$(dirname "$0")/lib.sh"

if ! command -v node >/dev/null || [ ! -d "$REPO/tests/node_modules/playwright-core" ]; then
  echo "SKIP programme walk: node or tests/node_modules missing (make test-deps)"; exit 0
fi
site=$TMP/site
copy_site "$REPO" "$site"
if ! msg=$("$WAYMARK" build "$site" -o "$TMP/out" --quiet --no-bundle 2>&1); then
  fail "programme walk: default site builds" "$msg"; exit 0
fi
node "$REPO/tests/browser/programme-walk.mjs" --site "$TMP/out/site" --screenshots "$REPO/out/screenshots"
