// A static file server on 127.0.0.1 (random port) that serves the site only
// under a sub-path, as a partner's mirror would: everything else is 404, so a
// root-relative link or a "../" too many shows up as a failed request.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json', '.csv': 'text/csv; charset=utf-8', '.xml': 'application/xml',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif',
  '.webp': 'image/webp', '.avif': 'image/avif', '.ico': 'image/x-icon', '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.pdf': 'application/pdf',
  '.zip': 'application/zip', '.webmanifest': 'application/manifest+json',
};

export function startServer(root, prefix = '/mirror/x/') {
  root = path.resolve(root);
  const server = http.createServer((req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    let p;
    try { p = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname); }
    catch { return send(400, 'bad request\n'); }
    if (!p.startsWith(prefix)) return send(404, 'not found (outside the mirror sub-path)\n');
    let rel = p.slice(prefix.length);
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const full = path.resolve(root, rel);
    if (!full.startsWith(root + path.sep)) return send(404, 'not found\n');
    fs.readFile(full, (err, data) => {
      if (err) return send(404, 'not found\n');
      send(200, data, TYPES[path.extname(full).toLowerCase()] || 'application/octet-stream');
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const origin = `http://127.0.0.1:${server.address().port}`;
      resolve({ origin, base: origin + prefix, close: () => new Promise(r => server.close(r)) });
    });
  });
}
