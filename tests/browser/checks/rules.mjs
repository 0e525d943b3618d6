// Check 8: waymark's output rules, seen from the browser's DOM: no script,
// no on* attribute, no javascript: URL; lang and dir on <html>; a CSP meta
// that forbids scripts and comes before any stylesheet; no-referrer.

// Runs in the page (JavaScript is off for the page; Playwright's evaluate
// still works there).
export function collectRules() {
  const clean = v => v.replace(/[\u0000-\u0020]/g, '').toLowerCase();
  const where = el => el.localName + (el.id ? `#${el.id}` : '');
  const onAttrs = [], jsUrls = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) onAttrs.push(`${where(el)}[${a.name}]`);
      const v = clean(a.value);
      if (v.startsWith('javascript:') || (a.name === 'content' && v.includes('url=javascript:')))
        jsUrls.push(`${where(el)}[${a.name}="${a.value.slice(0, 60)}"]`);
    }
  }
  const metas = [...document.querySelectorAll('meta[http-equiv]')]
    .filter(m => m.getAttribute('http-equiv').toLowerCase() === 'content-security-policy');
  const firstStyle = document.querySelector('link[rel~="stylesheet" i], style');
  return {
    scripts: [...document.querySelectorAll('script')].map(s => s.getAttribute('src') || 'inline'),
    onAttrs, jsUrls,
    lang: document.documentElement.getAttribute('lang'),
    dir: document.documentElement.getAttribute('dir'),
    csp: metas.map(m => ({
      content: m.getAttribute('content') || '',
      inHead: m.parentElement === document.head,
      beforeStyles: !firstStyle ||
        !!(m.compareDocumentPosition(firstStyle) & Node.DOCUMENT_POSITION_FOLLOWING),
    })),
    referrer: [...document.querySelectorAll('meta[name="referrer" i]')]
      .map(m => (m.getAttribute('content') || '').trim().toLowerCase()),
  };
}

const RTL = new Set(['ar', 'fa', 'he', 'iw', 'ur', 'ps', 'ckb', 'yi', 'dv', 'sd', 'ug', 'syr', 'arc', 'prs']);

export function checkRules(r) {
  const problems = [];
  if (r.scripts.length) problems.push(`script element(s): ${r.scripts.join(', ')}`);
  if (r.onAttrs.length) problems.push(`event handler attribute(s): ${r.onAttrs.join(', ')}`);
  if (r.jsUrls.length) problems.push(`javascript: URL(s): ${r.jsUrls.join(', ')}`);
  if (!r.lang) problems.push('<html> has no lang');
  else if (!/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$/.test(r.lang)) problems.push(`<html lang="${r.lang}"> is not a language tag`);
  if (!r.dir) problems.push('<html> has no dir');
  else if (!['ltr', 'rtl'].includes(r.dir)) problems.push(`<html dir="${r.dir}">: want ltr or rtl`);
  if (r.lang && r.dir) {
    const rtl = RTL.has(r.lang.split('-')[0].toLowerCase());
    if (rtl !== (r.dir === 'rtl')) problems.push(`<html lang="${r.lang}" dir="${r.dir}">: ${rtl ? 'rtl' : 'ltr'} expected`);
  }
  if (!r.csp.length) problems.push('no Content-Security-Policy meta');
  for (const c of r.csp) {
    if (!c.inHead) problems.push('CSP meta is not in <head>');
    if (!c.beforeStyles) problems.push('CSP meta comes after a stylesheet (it only covers what follows it)');
    if (!cspForbidsScripts(c.content)) problems.push(`CSP "${c.content}" does not forbid scripts (want script-src 'none' or default-src 'none')`);
  }
  if (!r.referrer.includes('no-referrer')) problems.push('no <meta name="referrer" content="no-referrer">');
  return problems;
}

function cspForbidsScripts(policy) {
  const dirs = new Map(policy.split(';').map(d => d.trim().toLowerCase().split(/\s+/))
    .filter(t => t[0]).map(([name, ...v]) => [name, v]));
  const src = dirs.get('script-src') || dirs.get('default-src');
  return !!src && src.length === 1 && src[0] === "'none'";
}
