// Collects one result per (check, subject) and prints them as the
// "PASS name" / "FAIL name: details" lines that tests/run.sh counts.

const MAX_PROBLEMS = 12;   // per FAIL line; the rest are counted, not listed

export class Report {
  constructor(checkOrder) {
    this.order = checkOrder;
    this.results = [];
    this.external = new Map();   // url -> Set of pages linking to it
    this.notes = [];
  }

  // problems: array of strings; empty means PASS.
  add(check, subject, problems) {
    this.results.push({ check, subject, problems: [...new Set(problems)] });
  }

  listExternal(url, page) {
    if (!this.external.has(url)) this.external.set(url, new Set());
    this.external.get(url).add(page);
  }

  note(line) { this.notes.push(line); }

  get failures() { return this.results.filter(r => r.problems.length).length; }

  print(out = process.stdout) {
    const rank = c => { const i = this.order.indexOf(c); return i < 0 ? this.order.length : i; };
    const sorted = [...this.results].sort((a, b) =>
      rank(a.check) - rank(b.check) || a.subject.localeCompare(b.subject));
    for (const r of sorted) out.write(formatLine(r) + '\n');
    if (this.external.size) {
      out.write(`# external links (listed, never fetched): ${this.external.size}\n`);
      for (const [url, pages] of [...this.external].sort())
        out.write(`#   ${url}  (${pages.size} page${pages.size > 1 ? 's' : ''})\n`);
    }
    for (const n of this.notes) out.write(`# ${n}\n`);
  }
}

function formatLine({ check, subject, problems }) {
  const name = subject ? `${check} ${subject}` : check;
  if (!problems.length) return `PASS ${name}`;
  const shown = problems.slice(0, MAX_PROBLEMS).map(oneLine);
  if (problems.length > MAX_PROBLEMS) shown.push(`(+${problems.length - MAX_PROBLEMS} more)`);
  return `FAIL ${name}: ${shown.join('; ')}`;
}

function oneLine(s) {
  return String(s).replace(/\s+/g, ' ').trim();
}
