return {
  name = "basic",
  title = "Basic",
  theme = "plain",
  languages = {
    { code = "en", name = "English" },
    { code = "fi", name = "Suomi" },
  },
  theme_vars = { ink = "#222" },
  footer = "Made for tests",
}
