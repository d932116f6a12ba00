'use strict';
// node --test spec/: the API end to end on a free port, with the list in a temporary file.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createServer } = require('../src/index');
const { Store } = require('../src/store');

async function withServer(fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'todos-'));
  const file = path.join(dir, 'todo.json');
  const server = createServer(new Store(file));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    await fn(base, file);
  } finally {
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('items are added, completed, kept in the file and removed', () => withServer(async (base, file) => {
  const added = await (await fetch(`${base}/items`, { method: 'POST', body: JSON.stringify({ name: ' Buy milk ' }) })).json();
  assert.strictEqual(added.name, 'Buy milk');
  const done = await (await fetch(`${base}/items/${added.id}`, { method: 'PUT', body: JSON.stringify({ completed: true }) })).json();
  assert.strictEqual(done.completed, true);
  assert.deepStrictEqual(new Store(file).list(), [done]);
  assert.strictEqual((await fetch(`${base}/items/${added.id}`, { method: 'DELETE' })).status, 200);
  assert.deepStrictEqual(await (await fetch(`${base}/items`)).json(), []);
}));

test('bad input gets a 4xx that says what to send', () => withServer(async (base) => {
  const noName = await fetch(`${base}/items`, { method: 'POST', body: '{}' });
  assert.strictEqual(noName.status, 400);
  assert.match((await noName.json()).error, /needs a name/);
  const notJson = await fetch(`${base}/items`, { method: 'POST', body: 'milk' });
  assert.strictEqual(notJson.status, 400);
  assert.strictEqual((await fetch(`${base}/items/nope`, { method: 'DELETE' })).status, 404);
  assert.strictEqual((await fetch(`${base}/nope.html`)).status, 404);
}));

test('the page is served', () => withServer(async (base) => {
  const page = await fetch(`${base}/`);
  assert.strictEqual(page.status, 200);
  assert.match(await page.text(), /<title>Todo App<\/title>/);
}));
