#!/usr/bin/env python3
"""Writes the large hostile pages into DIR (content/en of a fixture copy).
Too big to commit, so tests/e2e/hostile.sh makes them at test time.
  generate_large.py DIR"""
import os
import sys

def write(d, name, body, title=None):
    front = "---\ntitle: %s\n---\n" % (title or name)
    with open(os.path.join(d, name + ".md"), "w", encoding="utf-8") as f:
        f.write(front + body)

def main(d):
    os.makedirs(d, exist_ok=True)
    write(d, "large-line-5mb", "word " * (1024 * 1024) + "<b>bold</b>\n")          # a 5 MB line
    write(d, "large-line-5mb-no-spaces", "x" * (5 * 1024 * 1024) + "\n")
    write(d, "large-title", "Body.\n", title='"' + "T" * (1024 * 1024) + '"')
    write(d, "deep-blockquotes", ">" * 10000 + " deep\n")
    write(d, "deep-lists", "- " * 10000 + "deep\n")
    write(d, "deep-ordered-lists", "1. " * 10000 + "deep\n")
    write(d, "deep-emphasis", "*" * 50000 + "x" + "*" * 50000 + "\n")
    write(d, "deep-brackets", "[" * 50000 + "x" + "](y.md)" * 10 + "\n")
    write(d, "deep-html", "<div>" * 10000 + "x" + "</div>" * 10000 + "\n")
    write(d, "deep-details", "<details><summary>s</summary>\n" * 3000 + "x\n")
    write(d, "many-headings", "## same\n\n" * 20000)
    write(d, "many-links", "[x](https://example.org) " * 100000 + "\n")
    write(d, "many-table-columns", "|" + "a|" * 5000 + "\n|" + "-|" * 5000 + "\n" + "|b|\n" * 5000)
    with open(os.path.join(d, "yaml-many-nodes.md"), "w") as f:
        f.write("---\ntitle: many nodes\ntags: [" + ", ".join(["a"] * 150000) + "]\n---\nBody.\n")

if __name__ == "__main__":
    main(sys.argv[1])
