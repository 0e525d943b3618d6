#!/usr/bin/env bash
# Surveys: the default site's survey forms, schema.json and codebook.csv;
# every bad definition in tests/e2e/surveys/bad/ (its first line says the
# error expected); PO checks; the endpoint setting; `waymark extract`; and
# the forms in Chromium with JavaScript off (surveys_browser.mjs).
. "$(dirname "$0")/lib.sh"
HERE=$REPO/tests/e2e/surveys

# --- the default site ---------------------------------------------------------
site=$TMP/default
copy_site "$REPO" "$site"
if ! msg=$(SOURCE_DATE_EPOCH=1767225600 "$WAYMARK" build "$site" -o "$TMP/out" --quiet 2>&1); then
  fail "surveys: default site builds" "$msg"; exit 0
fi
[ -z "$msg" ] && pass "surveys: default site builds without warnings" || fail "surveys: default site builds without warnings" "$msg"
out=$TMP/out/site

check "surveys: field names and values are identical in every language" python3 - "$out" <<'PY'
import sys, re, html.parser
out = sys.argv[1]
class Fields(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.fields = []; self.select = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("input", "textarea"):
            self.fields.append((tag, a.get("type"), a.get("name"), a.get("value"), "required" in a))
        elif tag == "select":
            self.select = a.get("name"); self.fields.append(("select", None, self.select, None, "required" in a))
        elif tag == "option":
            self.fields.append(("option", None, self.select, a.get("value"), False))
for survey in ("experience", "no-help"):
    seen = {}
    for lang in ("en", "fi", "es", "ar"):
        p = Fields(); p.feed(open(f"{out}/{lang}/surveys/{survey}/index.html", encoding="utf-8").read())
        f = [x for x in p.fields if x[2] != "_lang"]
        assert len(f) > 10, (survey, lang, len(f))
        assert ("input", "hidden", "_lang", None, False) not in f
        seen[lang] = f
    for lang in ("fi", "es", "ar"):
        if seen[lang] != seen["en"]:
            diff = [(a, b) for a, b in zip(seen["en"], seen[lang]) if a != b][:3]
            sys.exit(f"{survey}/{lang} differs from en: {diff}")
PY

check "surveys: schema.json has the contract's structure, and every page sends its version" python3 - "$out" <<'PY'
import sys, json, re, os
out = sys.argv[1]
KEYS = {"id", "section", "type", "required", "codes", "other_code", "min_choices", "max_choices",
        "min", "max", "step", "maxlength", "pattern", "rows", "show_if"}
for survey in ("experience", "no-help"):
    s = json.load(open(f"{out}/surveys/{survey}/schema.json"))
    assert set(s) == {"survey", "version", "languages", "thanks", "questions"}, set(s)
    assert s["survey"] == survey
    assert re.fullmatch(r"[0-9a-f]{16}", s["version"]), s["version"]
    assert s["languages"][:4] == ["en", "fi", "es", "ar"], s["languages"]  # then fallback languages (ru)
    for lang, path in s["thanks"].items():
        assert path.startswith(f"{lang}/") and os.path.isfile(f"{out}/{path}"), path
    ids = []
    for q in s["questions"]:
        assert set(q) == KEYS, (q["id"], set(q) ^ KEYS)
        assert q["type"] in ("single", "multiple", "select", "scale", "matrix", "number", "text", "textarea")
        if q["type"] in ("single", "multiple", "select", "scale", "matrix"):
            assert q["codes"] and len(set(q["codes"])) == len(q["codes"]), q["id"]
        if q["type"] == "scale":
            assert q["codes"] == [str(v) for v in range(q["min"], q["max"] + 1)], q["id"]
        if q["type"] == "matrix":
            assert q["rows"], q["id"]
        if q["type"] in ("text", "textarea"):
            assert isinstance(q["maxlength"], int), q["id"]
        if q["other_code"] is not None:
            assert q["other_code"] in q["codes"]
        if q["show_if"] is not None:
            (combine, conds), = q["show_if"].items()
            assert combine in ("all", "any") and conds
            for c in conds:
                assert c["question"] in ids, (q["id"], c["question"])  # only earlier questions
                target = next(t for t in s["questions"] if t["id"] == c["question"])
                for v in ([c["equals"]] if "equals" in c else c.get("any_of", [])):
                    assert v in target["codes"], (q["id"], v)
        ids.append(q["id"])
    for lang in s["languages"]:
        page = open(f"{out}/{lang}/surveys/{survey}/index.html", encoding="utf-8").read()
        assert f'name="_version" value="{s["version"]}"' in page, lang
        assert f'name="_survey" value="{survey}"' in page and f'name="_lang" value="{lang}"' in page
PY

check "surveys: codebook.csv has every code with its text in every language" python3 - "$out" <<'PY'
import sys, csv, json
out = sys.argv[1]
for survey in ("experience", "no-help"):
    s = json.load(open(f"{out}/surveys/{survey}/schema.json"))
    raw = open(f"{out}/surveys/{survey}/codebook.csv", newline="", encoding="utf-8").read()
    assert raw.endswith("\r\n") and "\n" not in raw.replace("\r\n", ""), "RFC 4180 line ends"
    rows = list(csv.reader(raw.splitlines()))
    assert rows[0][:9] == ["variable", "question", "section", "type", "code", "en", "fi", "es", "ar"], rows[0]
    have = {(r[0], r[4]): r[5:] for r in rows[1:]}
    for q in s["questions"]:
        assert all(have[(q["id"], "")]), q["id"]
        for code in q["codes"] or []:
            texts = have[(q["id"], code)]
            if q["type"] != "scale":
                assert all(texts), (q["id"], code, texts)
        for row in q["rows"] or []:
            assert all(have[(f'{q["id"]}.{row}', "")]), (q["id"], row)
    # translated, not copied: the Finnish text of a question differs from the English one
    first = s["questions"][0]["id"]
    assert have[(first, "")][0] != have[(first, "")][1]
PY

check "surveys: the pages allow exactly the relative endpoint" python3 - "$out" <<'PY'
import sys, re
out = sys.argv[1]
page = open(f"{out}/en/surveys/experience/index.html", encoding="utf-8").read()
assert 'action="../../../submit"' in page
assert "form-action &#39;self&#39;" in page
assert '<link rel="stylesheet" href="../../../surveys/experience/form.css">' in page
PY

[ -f "$out/surveys/experience/form.css" ] && grep -q "surveys/experience/codebook.csv" <(unzip -l "$TMP/out/waymark.zip") \
  && grep -q "surveys/no-help/schema.json" <(unzip -l "$TMP/out/waymark.zip") \
  && pass "surveys: schema, codebook and form.css are in the bundle" \
  || fail "surveys: schema, codebook and form.css are in the bundle" "missing"

# --- bad definitions ------------------------------------------------------------
for bad in "$HERE"/bad/*.yaml; do
  name=$(basename "$bad" .yaml)
  want=$(head -1 "$bad" | sed 's/^# expect: //')
  s=$TMP/bad-$name
  copy_site "$HERE/site" "$s"
  cp "$bad" "$s/surveys/demo.yaml"
  msg=$("$WAYMARK" build "$s" --quiet 2>&1); rc=$?
  if [ $rc -eq 1 ] && grep -qF -- "$want" <<<"$msg" && [ ! -e "$s/out/site" ]; then
    pass "surveys: bad definition $name: '$want', exit 1, nothing written"
  else
    fail "surveys: bad definition $name" "exit $rc, want '$want', got: $(echo "$msg" | head -3 | tr '\n' ' ')"
  fi
done

s=$TMP/po-unknown
copy_site "$HERE/site" "$s"
printf '\nmsgctxt "demo/smokes"\nmsgid "Do you smoke?"\nmsgstr "x"\n' >>"$s/locales/fi.po"
msg=$("$WAYMARK" build "$s" --quiet 2>&1); rc=$?
[ $rc -eq 1 ] && grep -qF 'locales/fi.po:24: error: msgctxt "demo/smokes" names no text of survey' <<<"$msg" \
  && pass "surveys: a translation with an unknown msgctxt is an error at its PO line" \
  || fail "surveys: a translation with an unknown msgctxt is an error at its PO line" "exit $rc: $msg"

s=$TMP/po-missing
copy_site "$HERE/site" "$s"
python3 - "$s/locales/fi.po" <<'PY'
import sys; p = sys.argv[1]; t = open(p).read()
open(p, "w").write(t.replace('msgstr "En"', 'msgstr ""').replace('msgstr "Montako päivässä?"', 'msgstr ""'))
PY
msg=$("$WAYMARK" build "$s" --quiet 2>&1); rc=$?
[ $rc -eq 0 ] && grep -qF "locales/fi.po: warning: survey 'demo': 2 texts without a Suomi translation (shown in the default language): smoke/2, how_many" <<<"$msg" \
  && grep -qF '<span>No</span>' "$s/out/site/fi/survey/index.html" && grep -qF '<span>Kyllä</span>' "$s/out/site/fi/survey/index.html" \
  && pass "surveys: a missing translation is a warning listing the ids, and falls back" \
  || fail "surveys: a missing translation is a warning listing the ids, and falls back" "exit $rc: $msg"

s=$TMP/no-thanks
copy_site "$HERE/site" "$s"
sed -i 's/^thanks: thanks.md$/thanks: gone.md/' "$s/content/en/survey.md"
msg=$("$WAYMARK" build "$s" --quiet 2>&1); rc=$?
[ $rc -eq 1 ] && grep -qF "content/en/survey.md:4:9: error: thanks: 'gone.md': no such page" <<<"$msg" \
  && pass "surveys: a missing thanks page is an error" || fail "surveys: a missing thanks page is an error" "exit $rc: $msg"

s=$TMP/unknown-survey
copy_site "$HERE/site" "$s"
sed -i 's/^survey: demo$/survey: demos/' "$s/content/fi/survey.md"
msg=$("$WAYMARK" build "$s" --quiet 2>&1); rc=$?
[ $rc -eq 1 ] && grep -qF "content/fi/survey.md:3:9: error: no survey 'demos' (surveys/demos.yaml does not exist)" <<<"$msg" \
  && pass "surveys: a page naming an unknown survey is an error" || fail "surveys: a page naming an unknown survey is an error" "exit $rc: $msg"

# --- the endpoint ---------------------------------------------------------------
s=$TMP/absolute
copy_site "$HERE/site" "$s"
sed -i 's|^  name = "surveys-fixture",|  name = "surveys-fixture",\n  surveys = { endpoint = "https://collect.example.org/w/submit" },|' "$s/site.lua"
if "$WAYMARK" build "$s" --quiet 2>/dev/null && grep -qF 'action="https://collect.example.org/w/submit"' "$s/out/site/en/survey/index.html" \
   && grep -qF "form-action https://collect.example.org; base-uri" "$s/out/site/en/survey/index.html" \
   && grep -qF "form-action &#39;self&#39;" "$s/out/site/en/index.html"; then
  pass "surveys: an absolute endpoint is the action, and only the survey page's CSP allows its origin"
else
  fail "surveys: an absolute endpoint is the action, and only the survey page's CSP allows its origin" "$(grep -o 'action="[^"]*"\|form-action [^;]*' "$s/out/site/en/survey/index.html" | tr '\n' ' ')"
fi
sed -i 's|endpoint = "https://collect.example.org/w/submit"|endpoint = "../x"|' "$s/site.lua"
msg=$("$WAYMARK" build "$s" --quiet 2>&1); rc=$?
[ $rc -eq 1 ] && grep -qF "surveys.endpoint must be a path from the site root" <<<"$msg" \
  && pass "surveys: a bad endpoint is an error" || fail "surveys: a bad endpoint is an error" "exit $rc: $msg"

# --- waymark extract ------------------------------------------------------------
s=$TMP/extract
copy_site "$HERE/site" "$s"
if msg=$("$WAYMARK" extract "$s" 2>&1) && [ -f "$s/locales/templates/demo.pot" ] \
   && msgfmt --check -o /dev/null "$s/locales/templates/demo.pot" 2>/dev/null \
   && grep -qzF $'#: surveys/demo.yaml:10\nmsgctxt "demo/smoke/1"\nmsgid "Yes"\nmsgstr ""' "$s/locales/templates/demo.pot"; then
  pass "surveys: waymark extract writes locales/templates/<survey>.pot with source references"
else
  fail "surveys: waymark extract writes locales/templates/<survey>.pot with source references" "$msg"
fi

# --- in the browser, JavaScript off ------------------------------------------------
if [ -d "$REPO/tests/node_modules/playwright-core" ] && [ -x "${CHROMIUM_BIN:-/usr/bin/chromium}" ]; then
  node "$REPO/tests/e2e/surveys_browser.mjs" "$out" "$REPO/out/screenshots"
else
  fail "surveys browser" "needs tests/node_modules (cd tests && npm ci) and chromium"
fi
