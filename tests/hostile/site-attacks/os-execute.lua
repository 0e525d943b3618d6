os.execute("touch /tmp/waymark-hostile-pwned")
return { name = "x", languages = {{ code = "en", name = "E" }} }
