"""A Flask app (Debian python3-flask) for hypercorn (Debian python3-hypercorn), served the way
Cosmian's enclave runtime (mse-lib-sgx) serves an app: hypercorn, TLS with the enclave's RA-TLS
certificate, ALPN offering h2. Run with /usr/bin/python3:

  python3 -m hypercorn --certfile CERT --keyfile KEY --bind 127.0.0.1:PORT --config CONFIG.toml \
      PATH/TO/hypercorn_app:asgi

Hypercorn 0.13 (Debian 12) serves ASGI only; asgiref's WsgiToAsgi (python3-asgiref) adapts Flask
and sends each chunk a generator yields as it comes (hypercorn's own WSGI middleware would collect
the whole body first).

  GET  /            an HTML page
  GET  /protocol    {"http_version": "1.1" | "2"} as hypercorn negotiated it with the client
  POST /echo        JSON: {"json": <the body>, "host": <Host seen>}; a form: {"form": {...}}
  GET  /stream?n=N&ms=M  N lines, M ms apart, each "i <time.time() when produced>"
  GET  /redirect    302 to the absolute URL of /target at the origin the app was reached at
  GET  /target      "redirect target"
"""
import time

from asgiref.wsgi import WsgiToAsgi
from flask import Flask, Response, jsonify, redirect, request

app = Flask(__name__)


@app.get("/")
def index():
    return (
        "<!doctype html><html><head><title>hypercorn app</title></head>"
        "<body><h1>Flask on hypercorn</h1><p>served over TLS</p></body></html>\n"
    )


@app.get("/protocol")
def protocol():
    return jsonify(http_version=request.environ["SERVER_PROTOCOL"].partition("/")[2])


@app.post("/echo")
def echo():
    if request.is_json:
        return jsonify(json=request.get_json(), host=request.host)
    return jsonify(form=request.form.to_dict(), host=request.host)


@app.get("/stream")
def stream():
    n = int(request.args.get("n", "3"))
    ms = int(request.args.get("ms", "500"))

    def lines():
        for i in range(n):
            if i:
                time.sleep(ms / 1000)
            yield f"{i} {time.time():.6f}\n"

    return Response(lines(), mimetype="text/plain")


@app.get("/redirect")
def absolute_redirect():
    # request.host_url is the upstream's own origin (the gateway rewrote Host to it).
    return redirect(request.host_url + "target", code=302)


@app.get("/target")
def target():
    return "redirect target\n"


asgi = WsgiToAsgi(app)
