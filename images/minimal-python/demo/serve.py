"""Serves this directory on 0.0.0.0:8000 (publish it with: pocketdock create -p 8080:8000 ...)."""
import http.server
import os
import socketserver

PORT = 8000

os.chdir(os.path.dirname(os.path.abspath(__file__)))
handler = http.server.SimpleHTTPRequestHandler
with socketserver.TCPServer(("0.0.0.0", PORT), handler) as httpd:
    print(f"Serving demo on http://0.0.0.0:{PORT} ...", flush=True)
    httpd.serve_forever()
