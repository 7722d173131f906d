"""A WSGI upstream (Python's reference server), as Flask and Django run: PATH_INFO arrives
percent-decoded, so /admin%2Fsecret is read as /admin/secret. It routes with a case-insensitive
regular expression (Django's re_path with re.IGNORECASE), which also matches the dotless and dotted
I (adm\u0131n, adm\u0130n) as "admin". Prints its port once listening."""
import json
import re
from wsgiref.simple_server import WSGIRequestHandler, make_server


def app(environ, start_response):
    # PEP 3333 hands PATH_INFO over as latin-1; Django and Werkzeug re-read it as UTF-8
    path = environ.get('PATH_INFO', '').encode('latin-1').decode('utf-8', 'replace')
    body = {'path': path, 'admin': bool(re.match(r'^/admin(/|$)', path, re.IGNORECASE))}
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [json.dumps(body).encode()]


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


server = make_server('127.0.0.1', 0, app, handler_class=Quiet)
print(server.server_port, flush=True)
server.serve_forever()
