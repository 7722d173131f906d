// An upstream that reads paths the way servlet containers and IIS do: `;params` cut from each
// segment (Tomcat, Jetty) and trailing dots dropped from each segment (IIS), before routing.
// No Tomcat or IIS on this machine: this reproduces just that reading. Prints its port once listening.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const raw = (req.url ?? '/').split('?')[0];
  const path = raw
    .split('/')
    .map((segment) => segment.split(';')[0].replace(/\.+$/, ''))
    .join('/');
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ path, admin: path === '/admin' || path.startsWith('/admin/') }));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
