#!/usr/bin/env node
// Walks every language's self-help programme of a built site the way a reader
// with JavaScript off and only a keyboard would: from the programme page,
// focus "Start here" and press Enter, then focus each step's "next" link
// (rel="next") and press Enter, until the last step. Checks that the walk
// visits every step once, in order ("Step N of M in the whole programme"),
// that the quick-exit link is the first Tab stop, and takes screenshots of
// a step page in English and Arabic (and a worksheet as printed).
//   node tests/browser/programme-walk.mjs --site OUT/site [--screenshots DIR] [--programme self-help]
// Prints "PASS name" / "FAIL name: why" lines (tests/e2e/programme_browser.sh runs it).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './lib/server.mjs';
import { launchBrowser, newContext, makeAllowed, Tab, didNotLoad } from './lib/browser.mjs';
import { encodePath } from './lib/site.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');

const opts = { site: null, screenshots: path.join(REPO, 'out/screenshots'), programme: 'self-help' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i], v = process.argv[++i];
  if (a === '--site') opts.site = path.resolve(v);
  else if (a === '--screenshots') opts.screenshots = path.resolve(v);
  else if (a === '--programme') opts.programme = v;
  else { console.log(`FAIL programme walk: unknown argument ${a}`); process.exit(2); }
}

const pass = name => console.log(`PASS ${name}`);
const fail = (name, why) => console.log(`FAIL ${name}: ${why}`);
let failures = 0;
const check = (name, problems) => {
  if (problems.length) { failures++; fail(name, problems.join('; ')); } else pass(name);
};

// The step pages of a language's programme in the build: <lang>/<prog>/<module>/<step>/index.html.
function stepPages(lang) {
  const root = path.join(opts.site, lang, opts.programme);
  const steps = [];
  if (!fs.existsSync(root)) return steps;
  for (const m of fs.readdirSync(root, { withFileTypes: true })) {
    if (!m.isDirectory()) continue;
    for (const s of fs.readdirSync(path.join(root, m.name), { withFileTypes: true }))
      if (s.isDirectory() && s.name !== 'worksheet' && fs.existsSync(path.join(root, m.name, s.name, 'index.html')))
        steps.push(`${lang}/${opts.programme}/${m.name}/${s.name}/index.html`);
  }
  return steps.sort();
}

// Runs in the page: what a reader sees of the step.
function readStep() {
  const pos = document.getElementById('step-position');
  const progress = document.querySelector('progress');
  const place = document.querySelector('.resume p');
  return {
    title: document.querySelector('h1')?.textContent.trim(),
    position: pos?.textContent.trim(),
    progress: progress ? [progress.value, progress.max, progress.getAttribute('aria-labelledby')] : null,
    numbers: (place?.textContent.match(/\d+/g) || []).map(Number),
    next: !!document.querySelector('a[rel="next"]'),
    lang: document.documentElement.lang,
  };
}

// Focuses the link with the keyboard's focus and follows it with Enter.
async function follow(page, selector) {
  const link = page.locator(selector).first();
  if (!(await link.count())) return false;
  await link.focus();
  const focused = await page.evaluate(sel => document.activeElement === document.querySelector(sel), selector);
  if (!focused) throw new Error(`${selector} did not take the keyboard focus`);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
  return true;
}

async function walk(tab, base, lang) {
  const name = `programme walk: ${lang}: start page to last step by "next" links, keyboard only, no JavaScript`;
  const expected = stepPages(lang);
  if (!expected.length) { check(name, [`no steps under ${lang}/${opts.programme}/`]); return; }
  const problems = [];
  const loaded = await tab.load(base + encodePath(`${lang}/${opts.programme}/index.html`));
  if (didNotLoad(loaded)) { check(name, loaded); return; }
  const page = tab.page;
  if (!(await follow(page, 'a.button[href]'))) { check(name, ['no "Start here" link on the programme page']); return; }
  const visited = [];
  for (let guard = 0; guard < expected.length + 2; guard++) {
    const rel = decodeURIComponent(page.url().slice(base.length));
    const s = await page.evaluate(readStep);
    visited.push(rel);
    const n = visited.length;
    if (s.numbers[2] !== n || s.numbers[3] !== expected.length)
      problems.push(`${rel}: says step ${s.numbers[2]} of ${s.numbers[3]} in the programme, expected ${n} of ${expected.length}`);
    if (!s.position || !s.progress || s.progress[0] !== s.numbers[1] || s.progress[2] !== 'step-position')
      problems.push(`${rel}: no "Step N of M" text naming a matching <progress>`);
    if (s.lang !== lang) problems.push(`${rel}: lang="${s.lang}"`);
    if (!s.next) break;
    await follow(page, 'a[rel="next"]');
  }
  const missing = expected.filter(e => !visited.includes(e));
  if (missing.length) problems.push(`never reached ${missing.join(', ')}`);
  if (new Set(visited).size !== visited.length) problems.push(`visited a step twice: ${visited.join(' → ')}`);
  const last = await page.evaluate(() => document.querySelector('.pager-next a')?.textContent || '');
  if (!/\S/.test(last)) problems.push('the last step has no way back to the programme');
  check(`${name} (${visited.length} steps)`, problems);
}

async function firstTabIsQuickExit(tab, base, rel) {
  const name = `programme walk: the first Tab stop of ${rel} is the quick-exit link, the second the skip link`;
  const loaded = await tab.load(base + encodePath(rel));
  if (didNotLoad(loaded)) { check(name, loaded); return; }
  const focus = async () => { await tab.page.keyboard.press('Tab'); return tab.page.evaluate(() => document.activeElement?.className || ''); };
  const first = await focus(), second = await focus();
  check(name, [...(first === 'quick-exit' ? [] : [`first Tab focuses class "${first}"`]),
    ...(second === 'skip' ? [] : [`second Tab focuses class "${second}"`])]);
}

async function screenshot(browser, server, rel, file, { print = false, width = 1280 } = {}) {
  const name = `programme walk: screenshot ${path.basename(file)} (${rel})`;
  const ctx = await newContext(browser, server.origin, { viewport: { width, height: 900 } });
  const tab = new Tab(ctx, { allowed: makeAllowed(server.origin) });
  try {
    const loaded = await tab.load(server.base + encodePath(rel));
    if (didNotLoad(loaded)) { check(name, loaded); return; }
    if (print) await tab.page.emulateMedia({ media: 'print' });
    await tab.page.screenshot({ path: file, fullPage: true });
    const scroll = await tab.page.evaluate(() => document.documentElement.scrollWidth);
    check(name, [...loaded, ...(scroll > width ? [`${scroll}px wide at a ${width}px viewport`] : [])]);
  } finally {
    await tab.close();
    await ctx.close();
  }
}

async function main() {
  if (!opts.site || !fs.existsSync(path.join(opts.site, 'index.html'))) {
    console.log(`FAIL programme walk: no built site at ${opts.site} (--site OUT/site)`);
    process.exitCode = 1;
    return;
  }
  const langs = fs.readdirSync(opts.site).filter(l => fs.existsSync(path.join(opts.site, l, opts.programme, 'index.html')));
  const server = await startServer(opts.site);
  const browser = await launchBrowser();
  try {
    const ctx = await newContext(browser, server.origin);
    const tab = new Tab(ctx, { allowed: makeAllowed(server.origin) });
    for (const lang of langs) await walk(tab, server.base, lang);
    const sample = stepPages('en')[1] || stepPages(langs[0])[0];
    if (sample) await firstTabIsQuickExit(tab, server.base, sample);
    await tab.close();
    await ctx.close();

    fs.mkdirSync(opts.screenshots, { recursive: true });
    for (const lang of ['en', 'ar'].filter(l => langs.includes(l))) {
      const steps = stepPages(lang);
      const step = steps.find(s => /\/02-[^/]+\/index\.html$/.test(s) && s.includes('/01-')) || steps[0];
      await screenshot(browser, server, step, path.join(opts.screenshots, `programme-${lang}-step.png`));
      await screenshot(browser, server, step, path.join(opts.screenshots, `programme-${lang}-step-narrow.png`), { width: 390 });
    }
    const ws = stepPages('en')[0]?.replace(/[^/]+\/index\.html$/, 'worksheet/index.html');
    if (ws) await screenshot(browser, server, ws, path.join(opts.screenshots, 'programme-en-worksheet-print.png'), { print: true });
  } finally {
    await browser.close().catch(() => {});
    await server.close();
  }
  process.exitCode = failures ? 1 : 0;
}

main().catch(e => {
  console.log(`FAIL programme walk: ${String(e.stack || e).split('\n')[0]}`);
  process.exitCode = 1;
});
