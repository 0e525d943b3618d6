return { name = "../../evil", languages = {{ code = "en", name = "E" }} }
