"""The deploy files parse, and say what the design needs: durable Redis, probes, grace
periods longer than a worker's shutdown, scaling on the real queue, secrets by reference."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from deployfiles import (
    COMPOSE, CONFIG_DIR, DEPLOY, ENV_EXAMPLE, K8S, PRODUCTION_CONFIG, compose, configmap_file,
    container_argv, dockerfile_final_stage, env_file_names, interpolate, is_hookmaker_service, k8s_kind,
    k8s_objects, k8s_one, pod_containers, resolve, systemd_units, timespan_s,
    toml_env_refs, yaml_documents, yaml_files,
)
from shared import defaults as D
from shared.celery_settings import TASK_TIME_LIMIT_S, celery_settings
from shared.config import Config, load

INGRESS_LABELS = {"app.kubernetes.io/name": "hookmaker", "app.kubernetes.io/component": "ingress"}


def _load(text: str, tmp_path: Path, name: str = "hookmaker.toml") -> Config:
    """Load a config text as the deployment would: every env:NAME it references set."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    environ = {ref: f"value-of-{ref}" for ref in toml_env_refs(text)}
    environ["REDIS_URL"] = "redis://redis.example:6379/0"
    return load(path, environ)


def _worker_shutdown_s(config: Config) -> float:
    """How long a worker may take after SIGTERM: a running push, then the soft shutdown."""
    return TASK_TIME_LIMIT_S + celery_settings(config)["worker_soft_shutdown_timeout"]


# --- every file parses ---

@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_yaml_parses(path: Path) -> None:
    assert yaml_documents(path), f"{path} has no documents"


def test_the_expected_files_exist() -> None:
    for name in ("Dockerfile", "compose.yaml", "Procfile", "README.md", "hookmaker.env.example",
                 "config/hookmaker.toml", "config/dev.toml", "prometheus/alerts.yaml",
                 "systemd/hookmaker-ingress.service", "systemd/hookmaker-worker@.service",
                 "k8s/base/kustomization.yaml", "k8s/keda/kustomization.yaml",
                 "k8s/hpa/kustomization.yaml"):
        assert (DEPLOY / name).is_file(), name


# --- the TOML configs ---

@pytest.mark.parametrize("name", ["hookmaker.toml", "dev.toml"])
def test_config_loads_with_the_env_vars_it_references(name: str, tmp_path: Path) -> None:
    text = (CONFIG_DIR / name).read_text(encoding="utf-8")
    config = _load(text, tmp_path, name)
    assert config.redis.url == "redis://redis.example:6379/0"       # from REDIS_URL
    assert toml_env_refs(text), "secrets come from env:NAME references"


def test_dev_config_differs_from_production_only_in_the_filemaker_url() -> None:
    prod = tomllib.loads(PRODUCTION_CONFIG.read_text(encoding="utf-8"))
    dev = tomllib.loads((CONFIG_DIR / "dev.toml").read_text(encoding="utf-8"))
    assert dev["filemaker"]["main"].pop("url") == "http://emulator:3000"
    prod["filemaker"]["main"].pop("url")
    assert dev == prod


def test_configmap_toml_is_the_production_config_and_loads(tmp_path: Path) -> None:
    text = configmap_file("hookmaker-config", "hookmaker.toml")
    assert text == PRODUCTION_CONFIG.read_text(encoding="utf-8"), \
        "keep deploy/k8s/base/configmap.yaml in step with deploy/config/hookmaker.toml"
    config = _load(text, tmp_path)
    assert config.worker.queue == D.DEFAULT_QUEUE


# --- Kubernetes ---

def test_kubernetes_objects_have_api_version_kind_and_metadata() -> None:
    objects = k8s_objects()
    assert objects
    for path, doc in objects:
        assert doc.get("apiVersion") and doc.get("kind"), path
        if doc["kind"] != "Kustomization":
            assert doc.get("metadata", {}).get("name"), f"{path}: {doc['kind']} has no name"


def test_every_manifest_belongs_to_a_kustomization() -> None:
    listed: set[Path] = set()
    for kustomization in K8S.rglob("kustomization.yaml"):
        (doc,) = yaml_documents(kustomization)
        for resource in doc.get("resources", []):
            target = (kustomization.parent / resource).resolve()
            assert target.exists(), f"{kustomization}: {resource} does not exist"
            listed.add(target / "kustomization.yaml" if target.is_dir() else target)
    manifests = {p.resolve() for p in K8S.rglob("*.yaml")}
    overlays = {p.resolve() for p in (K8S / "keda", K8S / "hpa")}
    assert manifests - listed <= {o / "kustomization.yaml" for o in overlays}


def test_no_secret_objects_and_secrets_come_from_secret_refs() -> None:
    assert not k8s_kind("Secret"), "Secrets are created by the operator, never committed"
    refs = toml_env_refs(configmap_file("hookmaker-config", "hookmaker.toml")) | {"REDIS_URL"}
    for deployment in k8s_kind("Deployment"):
        for container in pod_containers(deployment):
            for entry in container.get("env", []):
                if entry["name"] in refs:
                    assert "value" not in entry, f"{entry['name']} is inlined"
                    assert entry["valueFrom"]["secretKeyRef"]["name"].startswith("hookmaker-")


def test_ingress_deployment_probes_and_resources() -> None:
    deployment = k8s_one("Deployment", "hookmaker-ingress")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
    bind = resolve(container_argv(container)).params["bind"]
    assert bind.endswith(f":{container['ports'][0]['containerPort']}")


def test_service_and_pdb_select_the_ingress_pods() -> None:
    deployment = k8s_one("Deployment", "hookmaker-ingress")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == INGRESS_LABELS
    pdb = k8s_one("PodDisruptionBudget", "hookmaker-ingress")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert pdb["spec"]["selector"]["matchLabels"] == INGRESS_LABELS
    assert pdb["spec"]["minAvailable"] >= 1
    service = k8s_one("Service", "hookmaker-ingress")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    worker = k8s_one("Deployment", "hookmaker-worker")
    assert not service["spec"]["selector"].items() <= \
        worker["spec"]["template"]["metadata"]["labels"].items()


def test_ingress_grace_period_covers_prestop_and_graceful_timeout(tmp_path: Path) -> None:
    config = _load(configmap_file("hookmaker-config", "hookmaker.toml"), tmp_path)
    spec = k8s_one("Deployment", "hookmaker-ingress")["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert spec["terminationGracePeriodSeconds"] > float(pre_stop[1]) + \
        config.ingress.graceful_timeout_s


def test_worker_deployment_probes_resources_and_grace_period(tmp_path: Path) -> None:
    config = _load(configmap_file("hookmaker-config", "hookmaker.toml"), tmp_path)
    spec = k8s_one("Deployment", "hookmaker-worker")["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    for probe in ("readinessProbe", "livenessProbe"):
        command = container[probe]["exec"]["command"]
        assert resolve(command).path == ("worker-health",), probe
    assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
    assert container["resources"]["limits"]["memory"]
    assert spec["terminationGracePeriodSeconds"] > _worker_shutdown_s(config)


def test_worker_probes_read_the_heartbeat_file_the_worker_writes() -> None:
    (container,) = k8s_one("Deployment", "hookmaker-worker")["spec"]["template"]["spec"]["containers"]
    written = resolve(container_argv(container)).params["heartbeat_file"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert resolve(container[probe]["exec"]["command"]).params["heartbeat_file"] == written
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert any(str(written).startswith(m + "/") for m in mounts), "heartbeat on a writable mount"


def test_pods_run_as_non_root_with_a_read_only_root() -> None:
    for deployment in k8s_kind("Deployment"):
        spec = deployment["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        for container in spec["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_config_is_mounted_where_hookmaker_config_points() -> None:
    for deployment in k8s_kind("Deployment"):
        spec = deployment["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in spec["containers"]:
            path = Path(next(e["value"] for e in container["env"]
                             if e["name"] == "HOOKMAKER_CONFIG"))
            mount = next(m for m in container["volumeMounts"]
                         if Path(m["mountPath"]) == path.parent)
            config_map = volumes[mount["name"]]["configMap"]["name"]
            assert path.name in k8s_one("ConfigMap", config_map)["data"]


def test_scaled_object_targets_workers_on_the_configured_queue(tmp_path: Path) -> None:
    config = _load(configmap_file("hookmaker-config", "hookmaker.toml"), tmp_path)
    (scaled,) = k8s_kind("ScaledObject")
    target = scaled["spec"]["scaleTargetRef"]
    assert target.get("kind", "Deployment") == "Deployment"
    assert target["name"] == k8s_one("Deployment", "hookmaker-worker")["metadata"]["name"]
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "redis"
    assert trigger["metadata"]["listName"] == config.worker.queue == D.DEFAULT_QUEUE
    assert int(trigger["metadata"]["listLength"]) > 0
    # the reconciler lives in the workers: never scale them to zero
    assert scaled["spec"]["minReplicaCount"] >= 1
    auth = k8s_one("TriggerAuthentication", trigger["authenticationRef"]["name"])
    assert {r["parameter"] for r in auth["spec"]["secretTargetRef"]} >= {"address"}


def test_hpa_alternative_targets_workers_on_queue_depth() -> None:
    (hpa,) = k8s_kind("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": "hookmaker-worker"}
    assert hpa["spec"]["minReplicas"] >= 1
    (metric,) = hpa["spec"]["metrics"]
    assert metric["external"]["metric"]["name"] == "hookmaker_queue_depth"


def test_keda_and_hpa_overlays_are_exclusive() -> None:
    (keda,) = yaml_documents(K8S / "keda" / "kustomization.yaml")
    (hpa,) = yaml_documents(K8S / "hpa" / "kustomization.yaml")
    assert "../base" in keda["resources"] and "../base" in hpa["resources"]
    assert not any("hpa" in r for r in keda["resources"])
    assert not any("keda" in r or "scaledobject" in r for r in hpa["resources"])


# --- compose ---

def test_compose_redis_is_durable_and_never_evicts() -> None:
    redis = compose()["services"]["redis"]
    argv = [interpolate(str(a)) for a in redis["command"]]
    assert argv[0] == "redis-server"
    options = dict(zip(argv[1::2], argv[2::2]))
    assert options["--appendonly"] == "yes"
    assert options["--appendfsync"] in ("always", "everysec")
    assert options["--maxmemory-policy"] == "noeviction"
    (volume,) = redis["volumes"]
    name, _, target = volume.partition(":")
    assert target == "/data" and name in compose()["volumes"], "Redis data on a named volume"


def test_compose_workers_scale_and_outlast_a_push(tmp_path: Path) -> None:
    config = _load(PRODUCTION_CONFIG.read_text(encoding="utf-8"), tmp_path)
    worker = compose()["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker, "--scale needs neither"
    assert timespan_s(worker["stop_grace_period"]) > _worker_shutdown_s(config)
    ingress = compose()["services"]["ingress"]
    assert timespan_s(ingress["stop_grace_period"]) > config.ingress.graceful_timeout_s


def test_compose_emulator_is_optional_and_flower_watches_the_broker() -> None:
    services = compose()["services"]
    assert services["emulator"]["profiles"] == ["dev"]
    assert all("profiles" not in services[s] for s in ("redis", "ingress", "worker", "flower"))
    flower = services["flower"]
    assert "hookmaker" not in flower["image"]
    broker = next(a for a in flower["command"] if a.startswith("--broker="))
    assert broker.removeprefix("--broker=") == services["worker"]["environment"]["REDIS_URL"]
    assert flower["command"][0] == "celery" and "flower" in flower["command"]


def test_compose_secrets_are_interpolated_never_written() -> None:
    refs = toml_env_refs(PRODUCTION_CONFIG.read_text(encoding="utf-8"))
    for name, service in compose()["services"].items():
        if not is_hookmaker_service(service):
            continue
        for var, value in (service.get("environment") or {}).items():
            if var in refs:
                assert re.fullmatch(r"\$\{%s:\?[^}]+\}" % var, str(value)), \
                    f"{name}: {var} must be ${{{var}:?...}}, from the environment or .env"


def test_compose_mounts_the_config_it_names() -> None:
    for name, service in compose()["services"].items():
        env = service.get("environment") or {}
        if "HOOKMAKER_CONFIG" not in env:
            continue
        path = interpolate(env["HOOKMAKER_CONFIG"])
        host = _compose_host_path(service, path)
        assert host.is_file(), f"{name}: {path} is {host}, which does not exist"


def _compose_host_path(service: dict, container_path: str) -> Path:
    for volume in service.get("volumes", []):
        source, _, rest = volume.partition(":")
        target = rest.split(":")[0]
        if source.startswith(".") and container_path.startswith(target + "/"):
            return (COMPOSE.parent / source / container_path[len(target) + 1:]).resolve()
    raise AssertionError(f"{container_path} is not mounted from the repository")


# --- Dockerfile ---

def test_dockerfile_is_small_and_non_root() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install ." in text, "installs the project from the repository"
    stage = dockerfile_final_stage()
    froms = [rest for instruction, rest in stage if instruction == "FROM"]
    assert len(froms) == 1 and " AS " not in froms[0].upper(), "the final stage is the runtime"
    (user,) = [rest for instruction, rest in stage if instruction == "USER"]
    assert user.split(":")[0] not in ("root", "0")
    assert not any(i in ("RUN",) and ("gcc" in r or "build-essential" in r) for i, r in stage)
    assert (DEPLOY / "Dockerfile.dockerignore").is_file()


# --- systemd ---

def test_systemd_units_stop_gracefully_and_outlast_a_push(tmp_path: Path) -> None:
    config = _load(PRODUCTION_CONFIG.read_text(encoding="utf-8"), tmp_path)
    units = {u.path.name: u for u in systemd_units()}
    worker = units["hookmaker-worker@.service"]
    ingress = units["hookmaker-ingress.service"]
    for unit in (worker, ingress):
        assert unit.one("Service", "KillMode") == "mixed", "SIGTERM to the main process only"
        assert unit.one("Service", "User") != "root"
        assert unit.one("Service", "Restart") in ("on-failure", "always")
    assert timespan_s(worker.one("Service", "TimeoutStopSec")) > _worker_shutdown_s(config)
    assert timespan_s(ingress.one("Service", "TimeoutStopSec")) > \
        config.ingress.graceful_timeout_s


def test_systemd_secrets_come_from_the_environment_file_only() -> None:
    refs = toml_env_refs(PRODUCTION_CONFIG.read_text(encoding="utf-8")) | {"REDIS_URL"}
    for unit in systemd_units():
        assert not refs & set(unit.environment()), f"{unit.path.name} inlines a secret"
        assert unit.one("Service", "EnvironmentFile").lstrip("-") == "/etc/hookmaker/hookmaker.env"
    # the example env file carries names only, never values
    assert all(value == "" for value in env_file_names(ENV_EXAMPLE).values())
