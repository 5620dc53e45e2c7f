"""API server behaviour kubectl relies on, held against kubectl 1.27, 1.32 and 1.33 and
lightkube, with the simulator in its own process: OpenAPI v2 / v3 (apply, diff, explain),
protobuf bodies, Tables, defaults, ``/scale``, ``edit``, ``auth``, pruning."""

from __future__ import annotations

import json
import re
import subprocess
import time
from functools import partial
from pathlib import Path

import pytest
from fidelity_shell import EXAMPLES, ShellSim, kubectl_binary

APP = str(EXAMPLES / "apps" / "extension-service-app.yaml")


def test_kubectl_1_27_applies_diffs_and_creates_with_the_openapi_v2_document(
    shell_sim: ShellSim
) -> None:
    out = shell_sim.kubectl("apply", "-f", APP, version="1.27").stdout
    assert "deployment.apps/extension-service-app created" in out
    assert "unchanged" in shell_sim.kubectl("apply", "-f", APP, version="1.27").stdout
    shell_sim.kubectl("diff", "-f", APP, version="1.27")  # exit 0: no difference
    out = shell_sim.kubectl("apply", "-f", str(EXAMPLES / "wasm-plugin.yaml"), version="1.27",
                            check=False)
    assert "gcpwasmplugin.networking.gke.io/gcp-wasm-plugin created" in out.stdout
    shell_sim.kubectl("create", "namespace", "team-a", version="1.27")


@pytest.mark.parametrize("version", [None, "1.33"])
def test_protobuf_bodies_of_create_namespace_and_create_service_are_decoded(
    shell_sim: ShellSim, version: str | None
) -> None:
    shell_sim.kubectl("create", "namespace", "team-b", version=version)
    shell_sim.kubectl("create", "service", "clusterip", "my-cs", "--tcp=5678:8080",
                      version=version)
    svc = json.loads(shell_sim.kubectl("get", "service", "my-cs", "-o", "json").stdout)
    assert svc["spec"]["ports"] == [{"name": "5678-8080", "port": 5678, "protocol": "TCP",
                                     "targetPort": 8080}]
    assert svc["spec"]["selector"] == {"app": "my-cs"}
    assert svc["spec"]["sessionAffinity"] == "None"
    assert "team-b" in shell_sim.kubectl("get", "namespaces", "-o", "name").stdout


@pytest.mark.parametrize("version", [None, "1.27", "1.33"])
def test_get_by_name_is_a_server_side_table_and_sort_by_sees_the_objects(
    shell_sim: ShellSim, version: str | None
) -> None:
    kubectl = partial(shell_sim.kubectl, version=version)
    kubectl("apply", "-f", APP)
    kubectl("create", "service", "clusterip", "a-first", "--tcp=80:80")
    header, row = kubectl("get", "service", "extension-service").stdout.splitlines()
    assert header.split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert row.split()[:2] == ["extension-service", "ClusterIP"]
    assert "443/TCP,80/TCP" in row
    lines = kubectl("get", "services", "--sort-by=.metadata.name").stdout
    names = [line.split()[0] for line in lines.splitlines()[1:]]
    assert names == sorted(names)
    assert "a-first" in names
    assert len(names) >= 2


@pytest.mark.parametrize("version", [None, "1.27", "1.33"])
def test_server_side_apply_gets_the_api_servers_defaults(
    shell_sim: ShellSim, tmp_path: Path, version: str | None
) -> None:
    kubectl = partial(shell_sim.kubectl, version=version)
    manifest = tmp_path / "svc.yaml"
    manifest.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: ssa}\n"
                        "spec:\n  selector: {app: ssa}\n  ports: [{port: 80}]\n")
    kubectl("apply", "--server-side", "-f", str(manifest))
    svc = json.loads(kubectl("get", "service", "ssa", "-o", "json").stdout)
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["clusterIP"].startswith("10.96.")
    assert svc["spec"]["ports"][0]["protocol"] == "TCP"


def test_lightkube_drives_the_callout_app(shell_sim: ShellSim) -> None:
    lightkube = pytest.importorskip("lightkube", reason="lightkube is not installed")
    from lightkube import codecs
    from lightkube.config.kubeconfig import KubeConfig
    from lightkube.resources.apps_v1 import Deployment
    from lightkube.resources.core_v1 import Endpoints, Secret, Service

    client = lightkube.Client(KubeConfig.from_file(shell_sim.kubeconfig))
    for obj in codecs.load_all_yaml(Path(APP).read_text()):
        client.create(obj)
    deployment = client.get(Deployment, "extension-service-app")
    assert deployment.spec is not None
    assert deployment.spec.replicas == 1
    svc = client.get(Service, "extension-service")
    assert svc.spec is not None
    assert svc.spec.ports is not None
    assert svc.spec.ports[0].appProtocol == "HTTP2"
    assert client.get(Secret, "envoy-certs").data is not None
    for _ in range(100):
        endpoints = client.get(Endpoints, "extension-service")
        if endpoints.subsets:
            break
        time.sleep(0.1)
    assert endpoints.subsets
    assert endpoints.subsets[0].addresses


@pytest.mark.parametrize("version", ["1.27", "1.33"])
def test_explain_walks_the_crd_fields_and_the_core_kinds_fields(
    shell_sim: ShellSim, version: str
) -> None:
    """Both use /openapi/v3 by default (kubectl 1.27 and later)."""
    out = shell_sim.kubectl("explain", "gcptrafficextension.spec.extensionChains",
                            version=version).stdout
    assert "FIELD: extensionChains <[]Object>" in out
    assert "matchCondition\t<Object>" in out
    assert "name\t<string> -required-" in out
    out = shell_sim.kubectl("explain", "gcptrafficextensions.spec.extensionChains.extensions."
                            "backendRef", version=version).stdout
    assert "port\t<integer>" in out
    out = shell_sim.kubectl("explain", "deployment.spec.template.spec.containers.ports",
                            version=version).stdout
    assert "containerPort\t<integer> -required-" in out
    assert "List of ports to expose from the container." in out
    out = shell_sim.kubectl("explain", "service.spec.ports.appProtocol",
                            version=version).stdout
    assert "FIELD: appProtocol <string>" in out


def test_kubectl_1_27_explains_from_the_openapi_v2_document(shell_sim: ShellSim) -> None:
    """``--output plaintext-openapiv2``: the v2 (protobuf) definitions, as kubectl up to
    1.26 and 1.27's apply / validation read them."""
    v2 = ("--output", "plaintext-openapiv2")
    out = shell_sim.kubectl("explain", "gcptrafficextensions.spec", *v2,
                            version="1.27").stdout
    assert "KIND:     GCPTrafficExtension" in out
    assert "VERSION:  networking.gke.io/v1" in out
    assert "RESOURCE: spec <Object>" in out
    assert "extensionChains\t<[]Object> -required-" in out
    assert "targetRefs\t<[]Object> -required-" in out
    out = shell_sim.kubectl("explain", "gcpwasmplugins.spec.versions.weight", *v2,
                            version="1.27").stdout
    assert "FIELD:    weight <integer>" in out
    out = shell_sim.kubectl("explain", "service.spec.ports", *v2, version="1.27").stdout
    assert "KIND:     Service" in out
    assert "RESOURCE: ports <[]Object>" in out
    assert "appProtocol\t<string>" in out
    assert "port\t<integer> -required-" in out
    out = shell_sim.kubectl("explain", "pods.spec.containers.name", *v2,
                            version="1.27").stdout
    assert "Name of the container specified as a DNS_LABEL." in out


@pytest.mark.parametrize("version", ["1.27", "1.33"])
def test_kubectl_scale_goes_through_the_scale_subresource_and_endpoints_follow(
    shell_sim: ShellSim, version: str
) -> None:
    shell_sim.kubectl("apply", "-f", APP, version=version)
    out = shell_sim.kubectl("scale", "deployment", "extension-service-app", "--replicas=3",
                            version=version).stdout
    assert "deployment.apps/extension-service-app scaled" in out
    shell_sim.kubectl("rollout", "status", "deployment/extension-service-app",
                      "--timeout=30s", version=version)
    pods = _wait_for_addresses(shell_sim, 3)
    scale = json.loads(shell_sim.kubectl(
        "get", "--raw", "/apis/apps/v1/namespaces/default/deployments/"
        "extension-service-app/scale", version=version).stdout)
    assert scale["kind"] == "Scale"
    assert scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 3}
    assert scale["status"]["selector"] == "app=store"
    assert len(pods) == 3
    # --current-replicas makes kubectl read the Scale and write it back with a precondition
    shell_sim.kubectl("scale", "deployment/extension-service-app", "--current-replicas=3",
                      "--replicas=1", version=version)
    assert len(_wait_for_addresses(shell_sim, 1)) == 1
    proc = shell_sim.kubectl("scale", "deployment/extension-service-app",
                             "--current-replicas=5", "--replicas=2", check=False,
                             version=version)
    assert proc.returncode != 0
    assert "replicas to be 5, was 1" in proc.stderr


def test_kubectl_scale_of_a_replica_set_creates_and_removes_its_pods(
    shell_sim: ShellSim, tmp_path: Path
) -> None:
    manifest = tmp_path / "rs.yaml"
    manifest.write_text(
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web}\nspec:\n"
        "  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n"
        "    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: web, image: nginx:1.27}]}\n")
    shell_sim.kubectl("apply", "-f", str(manifest), version="1.27")
    for version, replicas in (("1.27", 2), ("1.33", 0)):
        shell_sim.kubectl("scale", "replicaset", "web", f"--replicas={replicas}",
                          version=version)
        deadline = time.monotonic() + 30
        while len(_pods(shell_sim, "app=web")) != replicas:
            assert time.monotonic() < deadline, _pods(shell_sim, "app=web")
            time.sleep(0.2)


def _pods(sim: ShellSim, selector: str) -> list[str]:
    out = sim.kubectl("get", "pods", "-l", selector, "-o", "name").stdout
    return out.split()


def _wait_for_addresses(sim: ShellSim, count: int) -> list[str]:
    """The Service's endpoint addresses, once Endpoints and EndpointSlice hold ``count``."""
    deadline = time.monotonic() + 30
    while True:
        endpoints = json.loads(sim.kubectl("get", "endpoints", "extension-service", "-o",
                                           "json").stdout)
        ips = sorted(a["ip"] for s in endpoints.get("subsets") or []
                     for a in s.get("addresses") or [])
        slices = json.loads(sim.kubectl(
            "get", "endpointslices", "-l", "kubernetes.io/service-name=extension-service",
            "-o", "json").stdout)["items"]
        slice_ips = sorted(a for s in slices for e in s.get("endpoints") or []
                           for a in e["addresses"])
        pods = _pods(sim, "app=store")
        if len(ips) == count and slice_ips == ips and len(pods) == count:
            return ips
        assert time.monotonic() < deadline, (ips, slice_ips, pods)
        time.sleep(0.2)


def test_kubectl_1_27_edit_of_a_traffic_extension_updates_it(
    shell_sim: ShellSim, tmp_path: Path
) -> None:
    shell_sim.kubectl("apply", "-f", APP, version="1.27")
    shell_sim.kubectl("rollout", "status", "deployment/extension-service-app",
                      "--timeout=30s", version="1.27")
    gateway = tmp_path / "gateway.yaml"
    gateway.write_text("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
                       "metadata: {name: external-http}\nspec:\n"
                       "  gatewayClassName: gke-l7-global-external-managed\n"
                       "  listeners: [{name: http, protocol: HTTP, port: 80}]\n")
    shell_sim.kubectl("apply", "-f", str(gateway), version="1.27")
    shell_sim.kubectl("apply", "-f", str(EXAMPLES / "traffic-extension-events.yaml"),
                      version="1.27")
    editor = tmp_path / "editor.sh"  # what a user does in the editor: change the timeout
    editor.write_text("#!/bin/sh\nsed -i 's/timeout: 1s/timeout: 2s/' \"$1\"\n")
    editor.chmod(0o755)
    env = {**shell_sim.env, "EDITOR": str(editor), "KUBE_EDITOR": str(editor)}
    proc = subprocess.run([_kubectl("1.27"), "edit", "gcptrafficextension",
                           "my-traffic-extension"], env=env, capture_output=True, text=True,
                          timeout=90, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "gcptrafficextension.networking.gke.io/my-traffic-extension edited" in proc.stdout
    stored = json.loads(shell_sim.kubectl("get", "gcptrafficextension",
                                          "my-traffic-extension", "-o", "json").stdout)
    assert stored["spec"]["extensionChains"][0]["extensions"][0]["timeout"] == "2s"
    assert stored["metadata"]["generation"] == 2
    # an edit the CRD rejects is refused with the server's message; nothing changes
    editor.write_text("#!/bin/sh\nsed -i 's/timeout: 2s/timeout: 20s/' \"$1\"\n")
    proc = subprocess.run([_kubectl("1.27"), "edit", "gcptrafficextension",
                           "my-traffic-extension"], env=env, capture_output=True, text=True,
                          timeout=90, check=False)
    assert proc.returncode != 0
    assert 'gcptrafficextensions.networking.gke.io "my-traffic-extension" is invalid' in (
        proc.stderr)
    copy = re.search(r'A copy of your changes has been stored to "([^"]+)"', proc.stderr)
    assert copy is not None, proc.stderr
    assert "timeout" in Path(copy.group(1)).read_text()  # the server's reason, as comments
    Path(copy.group(1)).unlink()
    stored = json.loads(shell_sim.kubectl("get", "gcptrafficextension",
                                          "my-traffic-extension", "-o", "json").stdout)
    assert stored["metadata"]["generation"] == 2


def _kubectl(version: str) -> str:
    binary = kubectl_binary(version)
    if binary is None:
        pytest.skip(f"kubectl {version} is not installed")
    return binary


@pytest.mark.parametrize("version", [None, "1.27", "1.33"])
def test_a_strategic_merge_patch_on_a_custom_resource_is_refused_with_415(
    shell_sim: ShellSim, version: str | None
) -> None:
    kubectl = partial(shell_sim.kubectl, version=version)
    kubectl("apply", "-f", str(EXAMPLES / "wasm-plugin.yaml"), check=False)
    proc = kubectl("patch", "gcpwasmplugin", "gcp-wasm-plugin", "--type=strategic",
                             "-p", '{"spec": {}}', check=False)
    # kubectl recognises the 415 and says so, as with a real API server
    assert ("application/strategic-merge-patch+json is not supported by networking.gke.io/v1, "
            "Kind=GCPWasmPlugin" in proc.stderr)
    kubectl("patch", "gcpwasmplugin", "gcp-wasm-plugin", "--type=merge",
                      "-p", '{"metadata": {"labels": {"a": "b"}}}')


@pytest.mark.parametrize("version", [None, "1.27", "1.33"])
def test_auth_whoami_and_can_i_answer_for_the_simulators_user(
    shell_sim: ShellSim, version: str | None
) -> None:
    assert shell_sim.kubectl("auth", "can-i", "create", "gcptrafficextensions",
                             version=version).stdout.strip() == "yes"
    if version != "1.27":  # whoami is beta in 1.27 (v1beta1), v1 from 1.28
        out = shell_sim.kubectl("auth", "whoami", version=version).stdout
        assert "gke-simulator" in out


@pytest.mark.parametrize("version", [None, "1.27", "1.33"])
def test_unknown_fields_are_pruned_when_validation_is_off(
    shell_sim: ShellSim, tmp_path: Path, version: str | None
) -> None:
    kubectl = partial(shell_sim.kubectl, version=version)
    plugin = {"apiVersion": "networking.gke.io/v1", "kind": "GCPWasmPlugin",
              "metadata": {"name": "pruned"},
              "spec": {"versions": [{"name": "v1", "weight": 1000000, "typo": "x",
                                     "image": "us-docker.pkg.dev/p/r/i:v1"}]}}
    manifest = tmp_path / "plugin.json"
    manifest.write_text(json.dumps(plugin))
    kubectl("apply", "--validate=false", "-f", str(manifest))
    stored = json.loads(kubectl("get", "gcpwasmplugin", "pruned", "-o",
                                          "json").stdout)
    assert stored["spec"]["versions"][0] == {"name": "v1", "weight": 1000000,
                                             "image": "us-docker.pkg.dev/p/r/i:v1"}


@pytest.mark.parametrize("version", [None, "1.27", "1.33"])
def test_apply_prune_deletes_what_left_the_manifest(
    shell_sim: ShellSim, tmp_path: Path, version: str | None
) -> None:
    kubectl = partial(shell_sim.kubectl, version=version)
    both = tmp_path / "both.yaml"
    both.write_text("".join(
        f"---\napiVersion: v1\nkind: Service\nmetadata: {{name: {n}, labels: {{app: p}}}}\n"
        f"spec: {{ports: [{{port: 80}}], selector: {{app: {n}}}}}\n" for n in ("a", "b")))
    kubectl("apply", "-f", str(both), "-l", "app=p", "--prune")
    one = tmp_path / "one.yaml"
    one.write_text(both.read_text().split("---\n")[1])
    out = kubectl("apply", "-f", str(one), "-l", "app=p", "--prune").stdout
    assert "service/b pruned" in out
    names = kubectl("get", "services", "-l", "app=p", "-o", "name").stdout.split()
    assert names == ["service/a"]


@pytest.mark.parametrize("version", ["1.27", "1.33"])
def test_apply_removing_list_items_leaves_what_the_manifest_says(
    shell_sim: ShellSim, tmp_path: Path, version: str
) -> None:
    """kubectl's strategic merge patch (merge keys: containers by name, a container's ports
    by containerPort, env by name) is applied as the API server does."""
    first = tmp_path / "web.yaml"
    first.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n"
        "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
        "      - name: web\n        image: nginx:1.26\n"
        "        ports: [{containerPort: 80}, {containerPort: 443}]\n"
        "        env: [{name: A, value: '1'}, {name: B, value: '2'}]\n"
        "      - {name: side, image: busybox}\n")
    shell_sim.kubectl("apply", "-f", str(first), version=version)
    second = tmp_path / "web2.yaml"
    second.write_text(first.read_text().replace("nginx:1.26", "nginx:1.27")
                      .replace(", {containerPort: 443}", "")
                      .replace(", {name: B, value: '2'}", "")
                      .replace("      - {name: side, image: busybox}\n", ""))
    shell_sim.kubectl("apply", "-f", str(second), version=version)
    stored = json.loads(shell_sim.kubectl("get", "deployment", "web", "-o", "json").stdout)
    (container,) = stored["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "nginx:1.27"
    assert [p["containerPort"] for p in container["ports"]] == [80]
    assert container["env"] == [{"name": "A", "value": "1"}]
