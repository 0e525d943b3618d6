// Check 7: the Nu Html Checker (vnu.jar from the vnu-jar package) over every
// HTML and CSS file of the site in one JVM start; errors only.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const VNU_JAR = String(require('vnu-jar'));
export const VNU_VERSION = require('vnu-jar/package.json').version;

// Resolves to { byFile: { rel -> problems[] }, error } (error: the checker
// itself could not run).
export function runVnu(siteDir) {
  const args = ['-jar', VNU_JAR, '--errors-only', '--format', 'json',
    '--skip-non-html', '--also-check-css', siteDir];
  return new Promise(resolve => {
    let out = '';
    let child;
    try { child = spawn(process.env.JAVA || 'java', args, { stdio: ['ignore', 'pipe', 'pipe'] }); }
    catch (e) { return resolve({ byFile: {}, error: `cannot start java: ${e.message}` }); }
    child.stdout.on('data', d => { out += d; });
    child.stderr.on('data', d => { out += d; });
    child.on('error', e => resolve({ byFile: {}, error: `cannot start java: ${e.message}` }));
    child.on('close', code => resolve(parse(out, code, siteDir)));
  });
}

function parse(out, code, siteDir) {
  const start = out.indexOf('{"');
  let json;
  try { json = JSON.parse(out.slice(start, out.lastIndexOf('}') + 1)); }
  catch { return { byFile: {}, error: `vnu exited ${code} without JSON: ${out.slice(0, 300)}` }; }
  const byFile = {};
  for (const m of json.messages || []) {
    if (m.type !== 'error' && m.type !== 'non-document-error') continue;
    const rel = m.url ? relOf(m.url, siteDir) : '(vnu)';
    const line = m.lastLine ?? m.firstLine;
    const where = line !== undefined ? `line ${line}${m.firstColumn ? `:${m.firstColumn}` : ''}` : '';
    (byFile[rel] ||= []).push(`${where ? where + ': ' : ''}${m.message}`);
  }
  return { byFile, error: null };
}

function relOf(url, siteDir) {
  try { return path.relative(siteDir, fileURLToPath(url.replace(/^file:\/*/, 'file:///'))).split(path.sep).join('/'); }
  catch { return url; }
}
