return { name = "x", languages = {{ code = "en", name = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>", dir = "rtl" }} }
