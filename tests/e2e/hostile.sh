#!/usr/bin/env bash
# Hostile content (tests/hostile/, see its README): the whole fixture site,
# then each attack alone in a minimal site. For each build: it either
# rejects the input with a clear "path:line" error (exit 1, nothing
# written) or writes output that passes `waymark check` and an independent
# scan (tests/hostile/scan_output.py); it never crashes (exit >= 128, a
# sanitizer report), never runs past 60 s, never writes outside out/.
. "$(dirname "$0")/lib.sh"
H=$REPO/tests/hostile
LIMIT=${HOSTILE_TIMEOUT:-60}
MARK=/tmp/waymark-hostile-pwned
rm -f "$MARK"

# Everything outside the out/ folders, plus /tmp's waymark-hostile* names.
listing() {
  (cd "$TMP" && find . -path '*/out' -prune -o -print | sort)
  ls -d /tmp/waymark-hostile* /tmp/evil* 2>/dev/null
}

# judge NAME SITE ATTACK_PATH: builds SITE and prints PASS/FAIL NAME.
# ATTACK_PATH (site-relative) is the file an error must point at ("" = any).
judge() {
  local name=$1 site=$2 attack=$3 before after msg rc
  before=$(listing)
  msg=$(cd "$site" && timeout -k 5 "$LIMIT" "$WAYMARK" build . -o out --quiet --jobs 2 2>&1); rc=$?
  after=$(listing)
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then fail "hostile: $name" "no result within ${LIMIT} s"; return; fi
  if [ $rc -ge 128 ]; then fail "hostile: $name" "crashed (exit $rc): $(echo "$msg" | tail -3 | tr '\n' ' ')"; return; fi
  if grep -qE 'Sanitizer|runtime error:|==[0-9]+==ERROR' <<<"$msg"; then
    fail "hostile: $name" "sanitizer report: $(echo "$msg" | grep -m1 -E 'Sanitizer|runtime error')"; return; fi
  if [ "$before" != "$after" ]; then
    fail "hostile: $name" "wrote outside out/: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -3 | tr '\n' ' ')"; return; fi
  if [ -e "$MARK" ]; then fail "hostile: $name" "ran a command ($MARK exists)"; rm -f "$MARK"; return; fi
  case $rc in
  0)
    local bad
    if ! bad=$(cd "$site" && timeout "$LIMIT" "$WAYMARK" check . 2>&1); then
      fail "hostile: $name" "built, but waymark check fails: $(echo "$bad" | head -2 | tr '\n' ' ')"; return; fi
    if ! bad=$(python3 "$H/scan_output.py" "$site/out/site"); then
      fail "hostile: $name" "built unsafe output: $(echo "$bad" | head -2 | tr '\n' ' ')"; return; fi
    if [ "$(find "$site/out" -type l | wc -l)" -ne 0 ]; then fail "hostile: $name" "symlink in out/"; return; fi
    pass "hostile: $name (built; output scan clean)" ;;
  1)
    # A content attack must be named with its line; a theme, site.lua or PO
    # attack with its file (Lua gives no line for memory errors, and
    # site.lua's settings are checked after it ran).
    local want
    if [ -n "$attack" ]; then
      want="^$(printf '%s' "$attack" | sed 's/[][\.*^$(){}+?|/]/\\&/g'):[0-9]+(:[0-9]+)?: error: "
    else
      want='^((/[^:]*/)?themes/[^:]+|site\.lua|locales/[^:]+|content/[^:]+)( \(theme_vars\))?(:[0-9]+)*: error: '
    fi
    # A theme's page breaking the output rules is found in the written HTML:
    # the error names that output file and the page it was rendered from.
    [ -z "$attack" ] && want="$want|^[^: ]+\.html:[0-9]+:[0-9]+: error: .*rendered from content/"
    if ! grep -qE "$want" <<<"$msg"; then
      fail "hostile: $name" "rejected without a clear ${attack:-path}${attack:+:line} error: $(echo "$msg" | head -3 | tr '\n' ' ')"; return; fi
    if [ -e "$site/out/site" ]; then fail "hostile: $name" "rejected, but out/site was written"; return; fi
    pass "hostile: $name (rejected: $(echo "$msg" | grep -m1 -E "$want" | cut -c1-100))" ;;
  *) fail "hostile: $name" "exit status $rc: $(echo "$msg" | head -3 | tr '\n' ' ')" ;;
  esac
}

# A minimal site: site.lua and the two home pages of the fixture.
minimal_site() { # DEST
  mkdir -p "$1/content/en" "$1/content/ar"
  cp "$H/site.lua" "$1/"
  cp "$H/content/en/_index.md" "$1/content/en/"
  cp "$H/content/ar/_index.md" "$1/content/ar/"
}

# 1. The whole fixture site, large generated attacks included.
full=$TMP/full
mkdir -p "$full"
cp -RP "$H/site.lua" "$H/content" "$full/"
python3 "$H/generate_large.py" "$full/content/en"
judge "whole fixture site" "$full" ""

# 2. Each content attack alone (committed and generated ones).
n=0
for f in "$full"/content/en/*; do
  base=$(basename "$f")
  [ "$base" = _index.md ] && continue
  n=$((n + 1))
  site=$TMP/content-$n
  minimal_site "$site"
  cp -RP "$f" "$site/content/en/"
  judge "content/en/$base" "$site" "content/en/$base"
done

# 3. Theme templates from a stranger, each as the site's page.html override.
for f in "$H"/theme-attacks/*.html; do
  base=$(basename "$f")
  n=$((n + 1))
  site=$TMP/theme-$n
  minimal_site "$site"
  printf -- '---\ntitle: a page\n---\nText.\n' >"$site/content/en/page.md"
  mkdir -p "$site/themes/default/templates"
  cp -P "$f" "$site/themes/default/templates/page.html"
  judge "theme-attacks/$base" "$site" ""
done

# 3b. A stranger's SCSS, as the theme's scss/main.scss.
for f in "$H"/theme-attacks/*.scss; do
  base=$(basename "$f")
  n=$((n + 1))
  site=$TMP/scss-$n
  minimal_site "$site"
  mkdir -p "$site/themes/default/scss"
  cp "$f" "$site/themes/default/scss/main.scss"
  judge "theme-attacks/$base" "$site" ""
done

# 4. Hostile site.lua files.
for f in "$H"/site-attacks/*.lua; do
  base=$(basename "$f")
  n=$((n + 1))
  site=$TMP/site-$n
  minimal_site "$site"
  cp "$f" "$site/site.lua"
  rm -r "$site/content/ar" # the attacks list English only
  judge "site-attacks/$base" "$site" ""
done

# 5. Hostile PO catalogs, as locales/en.po.
for f in "$H"/po-attacks/*.po; do
  base=$(basename "$f")
  n=$((n + 1))
  site=$TMP/po-$n
  minimal_site "$site"
  mkdir -p "$site/locales"
  cp "$f" "$site/locales/en.po"
  judge "po-attacks/$base" "$site" ""
done
rm -f "$MARK"
