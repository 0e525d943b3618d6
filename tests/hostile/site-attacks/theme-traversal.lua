return { name = "x", theme = "../../../../../etc", languages = {{ code = "en", name = "E" }} }
