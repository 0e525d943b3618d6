-- The l10n end-to-end fixture (tests/e2e/l10n.sh): four languages, some
-- pages and strings missing, fallback pages shown with a notice.
return {
  name = "l10n",
  title = "Waymark L10n",
  theme = "default",
  base_url = "http://example.onion/",
  fallback = "default",
  languages = {
    { code = "en", name = "English" },
    { code = "fi", name = "Suomi" },
    { code = "ar", name = "العربية", digits = "arab" },
    { code = "ru", name = "Русский" },
  },
}
