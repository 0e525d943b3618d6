return { name = "x", languages = {{ code = "en", name = "E" }}, theme_vars = { accent = "url(//evil.example/x.png)" } }
