-- The default site: the repository builds itself with `make run`.
-- A Lua table; README.md ("site.lua") lists every key.
return {
  name = "waymark",             -- the bundle is out/waymark.zip
  title = "Waymark Help",
  theme = "default",
  -- base_url = "http://<your-address>.onion/",  -- only feeds need an absolute address
  languages = {                 -- the first is the default language
    { code = "en", name = "English" },
    { code = "fi", name = "Suomi" },
    { code = "es", name = "Español" },
    { code = "ar", name = "العربية", dir = "rtl" },
    { code = "ru", name = "Русский" },  -- partly translated: see `waymark status`
  },
  fallback = "default",         -- a page not yet translated is shown in English, with a notice
  theme_vars = {                -- SCSS variables of the theme ($accent, ...)
    accent = "#0b5f75",
  },
}
