'use strict';
// The todo items, kept in one JSON file (/etc/todos/todo.json unless TODO_DB says otherwise),
// so a volume mounted at /etc/todos keeps them across containers.
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

class Store {
  constructor(file) {
    this.file = file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.items = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
  }

  list() {
    return this.items;
  }

  add(name) {
    const item = { id: crypto.randomUUID(), name, completed: false };
    this.items.push(item);
    this.save();
    return item;
  }

  update(id, changes) {
    const item = this.items.find((i) => i.id === id);
    if (!item) {
      return null;
    }
    if (typeof changes.name === 'string') {
      item.name = changes.name;
    }
    if (typeof changes.completed === 'boolean') {
      item.completed = changes.completed;
    }
    this.save();
    return item;
  }

  remove(id) {
    const before = this.items.length;
    this.items = this.items.filter((i) => i.id !== id);
    this.save();
    return this.items.length < before;
  }

  // written to a temporary file and renamed, so a crash never leaves half a list
  save() {
    const tmp = this.file + '.tmp';
    fs.writeFileSync(tmp, JSON.stringify(this.items, null, 2));
    fs.renameSync(tmp, this.file);
  }
}

module.exports = { Store };
