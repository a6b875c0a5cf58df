"""Runs the preinstalled moto server for triggervault and bridges two moto gaps.

1. GetFunction reports Code.Location as https://awslambda-REGION-tasks.s3.REGION.amazonaws.com/KEY,
   which moto does not serve. The downloader rewrites such locations to
   <endpoint>/__triggervault/awslambda/<host-label>/<key>, and this launcher answers with the
   bytes moto's own Lambda backend holds for that key.
2. GetLayerVersion reports Content.Location as "s3://". The launcher patches moto so that it
   reports https://awslambda-REGION-layers.s3.REGION.amazonaws.com/snapshots/ACCOUNT/NAME-VERSION
   and serves those bytes the same way, so layers are backed up like function code.

Protocol with the parent process: binds 127.0.0.1 on the requested port (0 = a free one), prints
one JSON line {"ready": true, "port": N} on stdout, and exits when stdin closes, so no server
outlives the process that started it.
"""

import json
import logging
import os
import sys
import threading
from urllib.parse import unquote

try:
    from moto.awslambda.models import LayerVersion, lambda_backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server
except ImportError as error:  # pragma: no cover - reported to the parent as exit code 3
    print(json.dumps({"ready": False, "error": f"moto is not importable: {error}"}), flush=True)
    sys.exit(3)

PREFIX = "/__triggervault/awslambda/"

_original_get_layer_version = LayerVersion.get_layer_version


def _layer_key(layer_version):
    return f"snapshots/{layer_version.account_id}/{layer_version.name}-{layer_version.version}"


def _get_layer_version_with_location(self):
    version = _original_get_layer_version(self)
    version["Content"]["Location"] = (
        f"https://awslambda-{self.region}-layers.s3.{self.region}.amazonaws.com/{_layer_key(self)}"
    )
    return version


LayerVersion.get_layer_version = _get_layer_version_with_location


def _all_region_backends():
    for account_id in list(lambda_backends.keys()):
        for region in list(lambda_backends[account_id].keys()):
            yield lambda_backends[account_id][region]


def _find_code(host_label, key):
    """host_label is awslambda-REGION-tasks or awslambda-REGION-layers."""
    for backend in _all_region_backends():
        if host_label.endswith("-layers"):
            for layer in list(backend._layers._layers.values()):
                for layer_version in list(layer.layer_versions.values()):
                    if _layer_key(layer_version) == key:
                        return layer_version.code_bytes
            continue
        for entry in list(backend._lambdas._functions.values()):
            for function in [entry["latest"], *entry["versions"]]:
                if function.code.get("S3Key") == key and getattr(function, "code_bytes", None):
                    return function.code_bytes
    return None


def _with_code_bridge(app):
    def bridged(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return app(environ, start_response)
        host_label, _, key = path[len(PREFIX):].partition("/")
        body = _find_code(host_label, unquote(key))
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"NoSuchKey"]
        start_response(
            "200 OK",
            [("Content-Type", "application/zip"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return bridged


def _exit_when_parent_goes():
    sys.stdin.read()
    os._exit(0)


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    app = _with_code_bridge(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=_exit_when_parent_goes, daemon=True).start()
    print(json.dumps({"ready": True, "port": server.server_address[1]}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
