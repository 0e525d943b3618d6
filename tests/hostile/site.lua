-- The hostile fixture site (tests/e2e/hostile.sh): every content/en file
-- but _index.md is an attack. The default theme is the one beside waymark.
return {
  name = "hostile",
  title = "Hostile <script>alert(1)</script> fixture",
  theme = "default",
  languages = {
    { code = "en", name = "English" },
    { code = "ar", name = "العربية" },
  },
}
