// An Express 5 upstream: its router matches paths case-insensitively (as ASP.NET Core's does),
// so /ADMIN/secret is served by the /admin routes. Prints its port once listening.
import express from 'express';

const app = express();
app.get('/admin/secret', (req, res) => res.json({ path: req.path, admin: true }));
app.use((req, res) => res.json({ path: req.path, admin: false }));
const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
