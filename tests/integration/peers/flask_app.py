"""A Flask app (Debian python3-flask, run with /usr/bin/python3) behind nginx for gateway tests.

usage: flask_app.py PORT PUBLIC_ORIGIN
PUBLIC_ORIGIN is the https origin nginx serves it at (used for absolute redirects).
"""
import sys
import time

from flask import Flask, Response, jsonify, redirect, request, stream_with_context

app = Flask(__name__)
PUBLIC = sys.argv[2]
store = {}


@app.get("/")
def index():
    return "flask behind nginx\n"


@app.post("/value")
def set_value():
    store["value"] = request.get_json(force=True)["value"]
    return jsonify(stored=store["value"])


@app.get("/value")
def get_value():
    return jsonify(value=store.get("value"))


@app.get("/redirect")
def absolute_redirect():
    return redirect(PUBLIC + "/value", code=302)


@app.get("/cookie")
def cookie():
    resp = jsonify(seen=request.cookies.get("flask_session"))
    resp.set_cookie("flask_session", "abc", secure=True, httponly=True, domain="127.0.0.1")
    return resp


@app.get("/events")
def events():
    def gen():
        for i in range(3):
            yield f"data: flask {i}\n\n"
            time.sleep(0.5)
    return Response(stream_with_context(gen()), mimetype="text/event-stream")


@app.post("/upload")
def upload():
    total = 0
    while True:
        chunk = request.stream.read(65536)
        if not chunk:
            break
        total += len(chunk)
    return jsonify(bytes=total)


@app.get("/download")
def download():
    size = int(request.args.get("bytes", "0"))
    block = b"z" * 65536

    def gen():
        left = size
        while left > 0:
            n = min(left, len(block))
            yield block[:n]
            left -= n
    return Response(gen(), mimetype="application/octet-stream", headers={"Content-Length": str(size)})


if __name__ == "__main__":
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
