-- Fixture for tests/e2e/blog.sh: a small blog in four languages.
return {
  name = "blogtest",
  title = "Blog Test",
  theme = "default",
  base_url = "http://blogtest.example.onion/",
  languages = {
    { code = "en", name = "English" },
    { code = "fi", name = "Suomi" },
    { code = "es", name = "Español" },
    { code = "ar", name = "العربية" },
  },
  blog = { section = "posts", page_size = 3, feed_size = 10 },
}
