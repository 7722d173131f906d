"""A WSGI upstream (Python's reference server), as Flask and Django run: PATH_INFO arrives
percent-decoded, so /admin%2Fsecret is read as /admin/secret. Prints its port once listening."""
import json
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server


def app(environ, start_response):
    path = environ.get('PATH_INFO', '')
    body = {'path': path, 'admin': path.startswith('/admin/') or path == '/admin'}
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [json.dumps(body).encode()]


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


server = make_server('127.0.0.1', 0, app, handler_class=Quiet)
print(server.server_port, flush=True)
server.serve_forever()
