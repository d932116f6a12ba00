'use strict';
// The getting-started todo app: the page at /, the items at /items (GET, POST), /items/:id (PUT, DELETE).
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { Store } = require('./store');

const STATIC = path.join(__dirname, 'static');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

function createServer(store) {
  return http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const send = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const readJson = (then) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk) => {
        body += chunk;
        if (body.length > 64 * 1024) {
          send(413, { error: 'the item is larger than 64 KiB' });
          req.destroy();
        }
      });
      req.on('end', () => {
        try {
          then(JSON.parse(body || '{}'));
        } catch (e) {
          send(400, { error: 'the body must be JSON, e.g. {"name": "Buy milk"}' });
        }
      });
    };
    const id = url.pathname.startsWith('/items/') ? decodeURIComponent(url.pathname.slice('/items/'.length)) : null;

    if (url.pathname === '/items' && req.method === 'GET') {
      send(200, store.list());
    } else if (url.pathname === '/items' && req.method === 'POST') {
      readJson((b) => {
        if (typeof b.name !== 'string' || b.name.trim() === '') {
          send(400, { error: 'an item needs a name: {"name": "Buy milk"}' });
        } else {
          send(201, store.add(b.name.trim()));
        }
      });
    } else if (id && req.method === 'PUT') {
      readJson((b) => {
        const item = store.update(id, b);
        item ? send(200, item) : send(404, { error: `no item ${id}` });
      });
    } else if (id && req.method === 'DELETE') {
      store.remove(id) ? send(200, { removed: id }) : send(404, { error: `no item ${id}` });
    } else if (req.method === 'GET') {
      const file = url.pathname === '/' ? 'index.html' : path.basename(url.pathname);
      const full = path.join(STATIC, file);
      if (!fs.existsSync(full)) {
        send(404, { error: `no page ${url.pathname}` });
        return;
      }
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(full)] || 'application/octet-stream' });
      fs.createReadStream(full).pipe(res);
    } else {
      send(405, { error: `${req.method} ${url.pathname} is not supported` });
    }
  });
}

if (require.main === module) {
  const store = new Store(process.env.TODO_DB || '/etc/todos/todo.json');
  const port = Number(process.env.PORT || 3000);
  const server = createServer(store);
  server.listen(port, () => console.log(`Listening on port ${port}`));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

module.exports = { createServer };
