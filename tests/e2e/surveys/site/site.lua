return {
  name = "surveys-fixture",
  title = "Survey fixture",
  theme_vars = { accent = "#0b5f75" },  -- (a site without theme_vars trips a libsass error today)
  languages = { { code = "en", name = "English" }, { code = "fi", name = "Suomi" } },
}
