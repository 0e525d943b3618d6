#!/usr/bin/env node
// Browser, accessibility and validity checks for a waymark site.
//   node tests/browser/run.mjs [--site DIR] [--screenshots DIR] [--jobs N]
// Without --site it builds the repository's own site first with
// `$WAYMARK_BIN build . -o <tmp>` (WAYMARK_BIN defaults to ./waymark); with
// no such binary it checks tests/browser/sample-site and says so.
// Prints "PASS <check> <subject>" or "FAIL <check> <subject>: <details>" per
// check and exits 1 if any failed. README.md "Testing" says what each does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Report } from './lib/report.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const CHECKS = ['build', 'site', 'browser', 'http-requests', 'file-requests', 'links', 'keyboard',
  'screenshot', 'axe', 'html-valid', 'css-valid', 'output-rules'];
const WATCHDOG_MS = 10 * 60 * 1000;

const report = new Report(CHECKS);
const t0 = Date.now();
const timings = [];
const timed = async (label, fn) => {
  const t = Date.now();
  try { return await fn(); } finally { timings.push(`${label} ${((Date.now() - t) / 1000).toFixed(1)}s`); }
};

function parseArgs(argv) {
  const opts = { site: null, screenshots: path.join(REPO, 'out/screenshots'), jobs: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--site') opts.site = path.resolve(v());
    else if (a === '--screenshots') opts.screenshots = path.resolve(v());
    else if (a === '--jobs') opts.jobs = Math.max(1, parseInt(v(), 10) || 1);
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  return opts;
}

function usage(err) {
  const text = 'usage: node tests/browser/run.mjs [--site DIR] [--screenshots DIR] [--jobs N]\n';
  if (err) { process.stderr.write(`run.mjs: ${err}\n${text}`); process.exit(2); }
  process.stdout.write(text);
  process.exit(0);
}

// Builds the repository's default site into a temporary folder; returns
// { site, tmp } (site null after reporting a FAIL).
function buildDefaultSite() {
  const bin = path.resolve(process.env.WAYMARK_BIN || path.join(REPO, 'waymark'));
  if (!fs.existsSync(bin)) {
    const sample = path.join(HERE, 'sample-site');
    report.note(`no waymark binary at ${bin}: checked the hand-written ${path.relative(REPO, sample)} instead`);
    return { site: sample, tmp: null };
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-browser-'));
  const out = path.join(tmp, 'out');
  const r = spawnSync(bin, ['build', '.', '-o', out], { cwd: REPO, encoding: 'utf8', timeout: 300000 });
  if (r.status !== 0) {
    const msg = (r.stderr || r.stdout || String(r.error || '')).trim().split('\n').slice(-5).join(' | ');
    report.add('build', '', [`${bin} build . -o ${out} exited ${r.status ?? r.signal}: ${msg}`]);
    return { site: null, tmp };
  }
  // -o names the output folder; accept the site either in it or in its site/.
  const site = fs.existsSync(path.join(out, 'site/index.html')) ? path.join(out, 'site') : out;
  report.add('build', '', []);
  return { site, tmp };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let tmp = null;
  try {
    let site = opts.site;
    if (!site) {
      const built = await timed('build', () => buildDefaultSite());
      tmp = built?.tmp;
      site = built?.site;
      if (!site) return;
    }
    if (!fs.existsSync(site)) { report.add('site', '', [`${site} does not exist`]); return; }
    await checkSite(site, opts);
  } finally {
    report.print();
    const total = ((Date.now() - t0) / 1000).toFixed(1);
    const failed = report.failures;
    console.log(`# browser checks: ${report.results.length - failed} passed, ${failed} failed in ${total}s (${timings.join(', ')})`);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    process.exitCode = failed ? 1 : 0;
  }
}

async function checkSite(site, opts) {
  let mods;
  try {
    mods = await loadModules();
  } catch (e) {
    report.add('browser', '', [`test packages missing (cd tests && npm ci): ${e.message.split('\n')[0]}`]);
    return;
  }
  const { site: siteLib, startServer, browser: B, links, vnu } = mods;

  const files = siteLib.listFiles(site);
  const pages = files.filter(siteLib.isHtml);
  if (!pages.length) { report.add('site', '', [`no .html files in ${site}`]); return; }
  const langs = siteLib.languagesOf(pages);
  report.note(`site ${site}: ${pages.length} pages, languages ${langs.join(' ') || '(none)'}`);

  // One JVM for all of vnu, running while the browser works.
  const vnuDone = timed('vnu', () => vnu.runVnu(site));

  const server = await startServer(site);
  const fileBase = pathToFileURL(site + path.sep).href;
  const show = u => u.startsWith(server.base) ? u.slice(server.base.length)
    : u.startsWith(fileBase) ? u.slice(fileBase.length) : u;
  const allowed = B.makeAllowed(server.origin);
  const loadOptions = { allowed, show };

  let browser;
  try {
    browser = await B.launchBrowser();
  } catch (e) {
    report.add('browser', '', [`cannot start ${B.CHROMIUM}: ${e.message.split('\n')[0]}`]);
    await server.close();
    await reportVnu(await vnuDone, files, siteLib);
    return;
  }
  try {
    const inBrowser = browserPages(pages);
    if (inBrowser.length < pages.length)
      report.note(`in the browser: every page of ${FULL_LANGS.join(', ')} and the root; the home and 404 page of the other languages (WAYMARK_BROWSER_LANGS=all for every page); vnu checks all ${pages.length}`);
    const dom = await timed('pages', () => checkPages(browser, server, site, inBrowser, opts, mods, loadOptions));
    const linkResults = links.checkLinks(site, dom, report);
    for (const [rel, problems] of Object.entries(linkResults)) report.add('links', rel, problems);

    await timed('screenshots', () => takeScreenshots(browser, server, pages, langs, opts, mods, loadOptions));
  } finally {
    await browser.close().catch(() => {});
    await server.close();
  }
  await reportVnu(await vnuDone, files, siteLib);
}

// Every page of a site of 5 languages and 50 pages each takes the browser
// about 12 minutes on 2 cores; the languages' pages share templates, so the
// browser checks all of the default and a right-to-left language, and the
// home and 404 page of the others. WAYMARK_BROWSER_LANGS=all checks all.
const FULL_LANGS = (process.env.WAYMARK_BROWSER_LANGS || 'en,ar').split(',');
function browserPages(pages) {
  if (FULL_LANGS.includes('all')) return pages;
  return pages.filter(rel => {
    const parts = rel.split('/');
    return parts.length === 1 || FULL_LANGS.includes(parts[0]) ||
      (parts.length === 2 && (parts[1] === 'index.html' || parts[1] === '404.html'));
  });
}

// Loads every page over http (under the sub-path) and from file://, with
// JavaScript off, and checks requests, output rules and the keyboard; then
// runs axe on it. Returns { rel -> links and ids } for the links check.
async function checkPages(browser, server, site, pages, opts, mods, loadOptions) {
  const { site: siteLib, browser: B, links, rules, keyboard, axe } = mods;
  const noJs = await B.newContext(browser, server.origin);
  // axe needs JavaScript: see checks/axe.mjs
  const withJs = await B.newContext(browser, server.origin, { javaScriptEnabled: true });
  await axe.prepareAxeContext(withJs);
  const tabs = Array.from({ length: opts.jobs }, () =>
    ({ noJs: new B.Tab(noJs, loadOptions), axe: new B.Tab(withJs, loadOptions) }));

  const dom = {};
  await B.pool(pages, opts.jobs, async (rel, w) => {
    const { noJs: tab, axe: axeTab } = tabs[w];
    const httpUrl = server.base + siteLib.encodePath(rel);
    try {
      const problems = await tab.load(httpUrl);
      report.add('http-requests', rel, problems);
      if (!B.didNotLoad(problems)) {
        dom[rel] = await tab.page.evaluate(links.collectLinks);
        report.add('output-rules', rel, rules.checkRules(await tab.page.evaluate(rules.collectRules)));
        report.add('keyboard', rel, await keyboard.checkKeyboard(tab.page));
      }
      report.add('file-requests', rel, await tab.load(pathToFileURL(path.join(site, rel)).href));
      report.add('axe', rel, await axe.checkAxe(axeTab, httpUrl));
    } catch (e) {
      report.add('browser', rel, [`checks stopped: ${e.message.split('\n')[0]}`]);
      await tab.close();
      await axeTab.close();
    }
  });
  await noJs.close();
  await withJs.close();
  return dom;
}

async function takeScreenshots(browser, server, pages, langs, opts, mods, loadOptions) {
  const { site: siteLib, browser: B, shots } = mods;
  fs.mkdirSync(opts.screenshots, { recursive: true });
  for (const f of fs.readdirSync(opts.screenshots))
    if (/-(phone|desktop)\.png$/.test(f)) fs.rmSync(path.join(opts.screenshots, f));
  const jobs = [];
  for (const vp of shots.VIEWPORTS) {
    const ctx = await B.newContext(browser, server.origin, {
      viewport: { width: vp.width, height: vp.height },
      ...(vp.name === 'phone' ? { isMobile: true, hasTouch: true } : {}),
    });
    for (const t of siteLib.screenshotTargets(pages, langs)) jobs.push({ ctx, vp, t });
  }
  const tabs = new Map();   // one tab per (viewport context, worker)
  await B.pool(jobs, opts.jobs, async ({ ctx, vp, t }, w) => {
    const key = `${vp.name}/${w}`;
    if (!tabs.has(key)) tabs.set(key, new B.Tab(ctx, loadOptions));
    const name = `${t.name}-${vp.name}`;
    const file = path.join(opts.screenshots, `${name}.png`);
    try {
      report.add('screenshot', `${name} (${t.rel})`,
        await shots.takeScreenshot(tabs.get(key), server.base + siteLib.encodePath(t.rel), file, vp));
    } catch (e) {
      report.add('screenshot', `${name} (${t.rel})`, [`failed: ${e.message.split('\n')[0]}`]);
    }
  });
  for (const tab of tabs.values()) await tab.close();
  report.note(`screenshots in ${opts.screenshots}`);
}

async function reportVnu(result, files, siteLib) {
  if (result.error) { report.add('html-valid', '', [result.error]); return; }
  for (const rel of files) {
    if (siteLib.isHtml(rel)) report.add('html-valid', rel, result.byFile[rel] || []);
    else if (siteLib.isCss(rel)) report.add('css-valid', rel, result.byFile[rel] || []);
  }
  for (const [rel, problems] of Object.entries(result.byFile))
    if (!files.includes(rel)) report.add('html-valid', rel, problems);
}

// The npm packages are imported lazily so that a missing `npm ci` is a FAIL
// line, not a stack trace.
async function loadModules() {
  const [site, server, browser, links, rules, keyboard, axe, shots, vnu] = await Promise.all([
    import('./lib/site.mjs'), import('./lib/server.mjs'), import('./lib/browser.mjs'),
    import('./checks/links.mjs'), import('./checks/rules.mjs'), import('./checks/keyboard.mjs'),
    import('./checks/axe.mjs'), import('./checks/screenshots.mjs'), import('./checks/vnu.mjs'),
  ]);
  return { site, startServer: server.startServer, browser, links, rules, keyboard, axe, shots, vnu };
}

const watchdog = setTimeout(() => {
  report.add('browser', '', [`run did not finish within ${WATCHDOG_MS / 60000} minutes`]);
  report.print();
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

main().catch(e => {
  console.log(`FAIL browser: ${e.stack || e}`.split('\n')[0]);
  process.exitCode = 1;
});
