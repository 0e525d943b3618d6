return { name = "x", title = ("x"):rep(1e6), languages = {{ code = "en", name = "E" }}, theme_vars = { accent = "red; } body { background: url(https://evil.example/x) } a {" } }
