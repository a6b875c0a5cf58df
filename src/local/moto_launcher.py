"""Runs the preinstalled moto server for triggervault and bridges two moto gaps.

1. GetFunction reports Code.Location as https://awslambda-REGION-tasks.s3.REGION.amazonaws.com/KEY,
   which moto does not serve. The downloader rewrites such locations to
   <endpoint>/__triggervault/awslambda/<host-label>/<key>, and this launcher answers with the
   bytes moto's own Lambda backend holds. moto's published versions share one code dict with
   $LATEST (so KEY names the newest code for every version): the launcher adds ?sha256=<hex> to
   the location and serves the bytes whose hash that is.
2. GetLayerVersion reports Content.Location as "s3://". The launcher patches moto so that it
   reports https://awslambda-REGION-layers.s3.REGION.amazonaws.com/snapshots/ACCOUNT/NAME-VERSION
   and serves those bytes the same way, so layers are backed up like function code.
3. ListFunctionEventInvokeConfigs serializes LastModified as a string where the API has an epoch
   timestamp (GetFunctionEventInvokeConfig is right); the launcher serializes it the same way.
4. Calls moto lacks that a backup or restore of the app's sources makes on every run (tests of the
   kinds use aws-sdk-client-mock for them instead): SNS Get/PutDataProtectionPolicy and CreateTopic's
   DataProtectionPolicy (kept on the topic), API Gateway v2 GetAuthorizers and GetModels (listed from
   moto's own API objects) and CreateDeployment (recorded on the stage it names). ECR layer uploads
   and downloads are not bridged: image functions are not part of the local demo.

Protocol with the parent process: binds 127.0.0.1 on the requested port (0 = a free one), prints
one JSON line {"ready": true, "port": N} on stdout, and exits when stdin closes, so no server
outlives the process that started it.
"""

import hashlib
import json
import logging
import os
import sys
import threading
from urllib.parse import parse_qs, unquote

try:
    from moto.awslambda.models import LambdaFunction, LayerVersion, lambda_backends
    from moto.awslambda.responses import LambdaResponse
    from moto.core.responses import ActionResult
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


_original_get_code = LambdaFunction.get_code


def _get_code_with_hash(self):
    response = _original_get_code(self)
    location = response.get("Code", {}).get("Location")
    if location and getattr(self, "code_bytes", None):
        response["Code"]["Location"] = f"{location}?sha256={_hash_of(self.code_bytes)}"
    return response


LambdaFunction.get_code = _get_code_with_hash


def _list_function_event_invoke_configs(self):
    function_name = unquote(self.path.rsplit("/", 3)[1])
    return ActionResult(self.backend.list_function_event_invoke_configs(function_name))


LambdaResponse.list_function_event_invoke_configs = _list_function_event_invoke_configs


from moto.apigatewayv2 import urls as apigatewayv2_urls  # noqa: E402
from moto.apigatewayv2.responses import ApiGatewayV2Response  # noqa: E402
from moto.sns.responses import SNSResponse  # noqa: E402

_DATA_PROTECTION = "triggervault_data_protection_policy"


def _put_data_protection_policy(self):
    topic = self.backend.get_topic(self._get_param("ResourceArn"))
    setattr(topic, _DATA_PROTECTION, self._get_param("DataProtectionPolicy") or "")
    return ActionResult({})


def _get_data_protection_policy(self):
    topic = self.backend.get_topic(self._get_param("ResourceArn"))
    return ActionResult({"DataProtectionPolicy": getattr(topic, _DATA_PROTECTION, "")})


_original_create_topic = SNSResponse.create_topic


def _create_topic_with_data_protection(self):
    result = _original_create_topic(self)
    policy = self._get_param("DataProtectionPolicy")
    if policy:
        name = self._get_param("Name")
        arn = f"arn:aws:sns:{self.region}:{self.current_account}:{name}"
        setattr(self.backend.get_topic(arn), _DATA_PROTECTION, policy)
    return result


SNSResponse.put_data_protection_policy = _put_data_protection_policy
SNSResponse.get_data_protection_policy = _get_data_protection_policy
SNSResponse.create_topic = _create_topic_with_data_protection


def _v2_list(attribute):
    def listing(self):
        api = self.apigatewayv2_backend.get_api(self.path.split("/")[-2])
        return 200, {}, json.dumps({"items": [item.to_json() for item in getattr(api, attribute).values()]})

    return listing


def _create_deployment(self):
    api = self.apigatewayv2_backend.get_api(self.path.split("/")[-2])
    body = json.loads(self.body or "{}")
    deployment_id = hashlib.sha256(f"{api.api_id}{len(_deployments)}".encode()).hexdigest()[:10]
    _deployments.append(deployment_id)
    stage = api.stages.get(body.get("stageName", ""))
    if stage is not None:
        stage.deployment_id = deployment_id
    return 200, {}, json.dumps({"deploymentId": deployment_id, "deploymentStatus": "DEPLOYED"})


_deployments = []
ApiGatewayV2Response.get_authorizers = _v2_list("authorizers")
ApiGatewayV2Response.get_models = _v2_list("models")
ApiGatewayV2Response.create_deployment = _create_deployment
apigatewayv2_urls.url_paths["{0}/v2/apis/(?P<api_id>[^/]+)/deployments$"] = ApiGatewayV2Response.dispatch


def _all_region_backends():
    for account_id in list(lambda_backends.keys()):
        for region in list(lambda_backends[account_id].keys()):
            yield lambda_backends[account_id][region]


_hashes = {}


def _hash_of(code):
    """sha256 of a package, memoized by identity (the entry keeps the bytes alive, so ids stay unique)."""
    entry = _hashes.get(id(code))
    if entry is None or entry[0] is not code:
        entry = (code, hashlib.sha256(code).hexdigest())
        _hashes[id(code)] = entry
    return entry[1]


def _find_code(host_label, key, sha256):
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
                code = getattr(function, "code_bytes", None)
                if code and _hash_of(code) == sha256:
                    return code
    return None


def _with_code_bridge(app):
    def bridged(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return app(environ, start_response)
        host_label, _, key = path[len(PREFIX):].partition("/")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        body = _find_code(host_label, unquote(key), (query.get("sha256") or [""])[0])
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
