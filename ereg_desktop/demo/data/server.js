'use strict';
// Sandbox app: a small HTTP server run by pm2 (folder name = pm2 name).
// PORT: where to listen; HOLD_MB: memory to hold; CRASH_MS: throw after that many ms.
const fs = require('fs');
const http = require('http');
const path = require('path');

const name = path.basename(__dirname);
const port = Number(process.env.PORT || 3000);
const holdMb = Number(process.env.HOLD_MB || 0);
const crashMs = Number(process.env.CRASH_MS || 0);

function gitHead() {
  try {
    const gitDir = path.join(__dirname, '.git');
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    try {
      return fs.readFileSync(path.join(gitDir, ref), 'utf8').trim();
    } catch (e) {
      const packed = fs.readFileSync(path.join(gitDir, 'packed-refs'), 'utf8');
      const line = packed.split('\n').find((l) => l.endsWith(' ' + ref));
      return line ? line.split(' ')[0] : null;
    }
  } catch (e) {
    return null;
  }
}

const commit = gitHead();
const held = [];
for (let i = 0; i < holdMb; i += 1) held.push(Buffer.alloc(1024 * 1024, i % 251));

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ app: name, commit, pid: process.pid, heldMb: held.length }) + '\n');
});
server.listen(port, '127.0.0.1', () => {
  console.log(`${name} listening on http://127.0.0.1:${port}/ (pid ${process.pid}, commit ${commit})`);
});

if (crashMs > 0) {
  setTimeout(() => {
    throw new Error(`${name}: planned crash after ${crashMs} ms`);
  }, crashMs);
}
