// One Debian Chromium for the whole run (never a downloaded browser), the
// contexts the checks use, and a page loader that records every request.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const NAV_TIMEOUT = 20000;

// launch() without a user data dir gives a fresh temporary profile.
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60000 });
}

// Requests may go to the loopback server or stay on file:// (data: and
// about: never leave the page); anything else is aborted before it leaves.
export function makeAllowed(origin) {
  return url => url.startsWith(origin + '/') || /^(file|data|about|blob):/.test(url);
}

// javaScriptEnabled: false is what a Tor Browser "Safest" reader has. The
// axe context needs JavaScript on: see checks/axe.mjs.
export async function newContext(browser, origin, options = {}) {
  const context = await browser.newContext({
    javaScriptEnabled: false, colorScheme: 'light', viewport: { width: 1280, height: 900 },
    serviceWorkers: 'block', ...options,
  });
  const allowed = makeAllowed(origin);
  await context.route('**/*', route =>
    allowed(route.request().url()) ? route.continue() : route.abort('blockedbyclient'));
  context.setDefaultTimeout(NAV_TIMEOUT);
  return context;
}

// A browser tab that is reused for many loads (opening a page costs far
// more than navigating one) and records what went wrong with the requests
// of the current load.
export class Tab {
  constructor(context, { allowed, show = u => u }) {
    this.context = context;
    this.allowed = allowed;
    this.show = show;
    this.page = null;
  }

  async open() {
    const page = await this.context.newPage();
    this.page = page;
    this.problems = [];
    this.pending = 0;
    page.on('request', r => {
      if (page !== this.page) return;
      this.pending++;
      if (!this.allowed(r.url())) this.problems.push(`request leaves the site: ${r.resourceType()} ${r.url()}`);
    });
    page.on('requestfinished', () => { if (page === this.page) this.pending--; });
    page.on('requestfailed', r => {
      if (page !== this.page) return;
      this.pending--;
      if (this.allowed(r.url())) this.problems.push(`request failed: ${this.show(r.url())} (${r.failure()?.errorText})`);
    });
    page.on('response', r => {
      if (page === this.page && r.status() >= 400) this.problems.push(`HTTP ${r.status()} for ${this.show(r.url())}`);
    });
    // CSP refusals and similar browser complaints arrive as console errors.
    // ("Failed to load resource" repeats what the request events said.)
    page.on('console', m => {
      if (page === this.page && m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        this.problems.push(`console error: ${m.text()}`);
    });
  }

  // Loads url; returns the problems of this load (an empty array is fine).
  // "page did not load: ..." is the first problem when navigation failed.
  async load(url) {
    if (!this.page || this.page.isClosed()) await this.open();
    this.problems = [];
    this.pending = 0;
    try {
      await this.page.goto(url, { waitUntil: 'load', timeout: NAV_TIMEOUT });
      await this.settle();
    } catch (e) {
      this.problems.unshift(`page did not load: ${e.message.split('\n')[0]}`);
    }
    return this.problems;
  }

  // CSS can start loads (fonts, background images) around the load event:
  // wait until no request has been open for 100 ms (at most 3 s).
  async settle() {
    let quiet = 0;
    for (let t = 0; t < 3000 && quiet < 100; t += 25) {
      await new Promise(r => setTimeout(r, 25));
      quiet = this.pending > 0 ? 0 : quiet + 25;
    }
  }

  async close() {
    if (this.page && !this.page.isClosed()) await this.page.close().catch(() => {});
  }
}

export const didNotLoad = problems => problems.length > 0 && problems[0].startsWith('page did not load');

// Runs fn(item, worker) over items with at most n at a time (worker is
// 0..n-1, for per-worker tabs); results in item order.
export async function pool(items, n, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async w => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], w);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, (_, w) => worker(w)));
  return results;
}
