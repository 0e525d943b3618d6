return { name = "x", languages = {{ code = "../../tmp/waymark-hostile-lang", name = "E" }} }
