'use strict';
const list = document.getElementById('items');
const empty = document.getElementById('empty');

async function call(method, url, body) {
  const res = await fetch(url, { method, headers: { 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
  return res.json();
}

function render(items) {
  list.replaceChildren();
  empty.hidden = items.length > 0;
  for (const item of items) {
    const li = document.createElement('li');
    li.className = item.completed ? 'done' : '';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = item.completed;
    box.onchange = async () => { await call('PUT', `/items/${item.id}`, { completed: box.checked }); load(); };
    const name = document.createElement('span');
    name.textContent = item.name;
    const remove = document.createElement('button');
    remove.textContent = 'Remove';
    remove.onclick = async () => { await call('DELETE', `/items/${item.id}`); load(); };
    li.append(box, name, remove);
    list.append(li);
  }
}

async function load() {
  render(await call('GET', '/items'));
}

document.getElementById('add').onsubmit = async (e) => {
  e.preventDefault();
  const input = document.getElementById('name');
  await call('POST', '/items', { name: input.value });
  input.value = '';
  load();
};

load();
