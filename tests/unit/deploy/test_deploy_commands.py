"""Every command the deploy files run is a real ``hookmaker`` command with real options,
and every environment variable they set is one the code reads (and the other way round).

Commands are parsed by the ``hookmaker`` click tree itself (``make_context``), so a renamed
option or a dropped command fails here, not at 3 a.m. in a pod.
"""

from __future__ import annotations

import click
import pytest

from deployfiles import (
    ENV_EXAMPLE, HOST_CONFIG_PATH, HOST_ENV_FILE, PRODUCTION_CONFIG, RUNTIME_ENV,
    Resolved, compose, configmap_file, container_argv, dockerfile_cmd, dockerfile_env,
    dockerfile_final_stage, env_file_names, env_vars_read_by_code, expand_specifiers,
    interpolate, is_hookmaker, is_hookmaker_service, k8s_container_env, k8s_kind,
    loads_config, pod_containers, probe_commands, procfile, resolve, shell_expand,
    systemd_units, toml_env_refs,
)


def deploy_commands() -> list[tuple[str, list[str]]]:
    """(where, argv) of every command line the deploy files run in a Hookmaker image/host."""
    found = [("Dockerfile CMD", dockerfile_cmd())]
    for name, service in compose()["services"].items():
        if is_hookmaker_service(service):
            found.append((f"compose {name}", [interpolate(str(a)) for a in service["command"]]))
            test = (service.get("healthcheck") or {}).get("test", [])
            if test[:1] == ["CMD"] and is_hookmaker(test[1:]):
                found.append((f"compose {name} healthcheck", test[1:]))
    for workload in k8s_kind("Deployment"):
        for container in pod_containers(workload):
            where = f"k8s {workload['metadata']['name']}/{container['name']}"
            found.append((where, container_argv(container)))
            found += [(f"{where} {kind}", argv) for kind, argv in probe_commands(container)]
    for unit in systemd_units():
        for line in unit.all("Service", "ExecStart"):
            found.append((f"systemd {unit.path.name}",
                          expand_specifiers(line, instance="9808").split()))
    for name, line in procfile().items():
        found.append((f"Procfile {name}", shell_expand(line, {})))
    return found


COMMANDS = deploy_commands()


@pytest.mark.parametrize("where,argv", COMMANDS, ids=[w for w, _ in COMMANDS])
def test_command_is_a_real_hookmaker_command(where: str, argv: list[str]) -> None:
    assert is_hookmaker(argv), f"{where} runs {argv[0]!r}, not hookmaker"
    try:
        resolved = resolve(argv)
    except click.UsageError as exc:
        pytest.fail(f"{where}: `{' '.join(argv)}` is not a valid hookmaker command: "
                    f"{exc.format_message()}")
    assert resolved.path, f"{where}: no subcommand"


def test_every_platform_runs_both_parts() -> None:
    def parts(prefix: str) -> set[tuple[str, ...]]:
        return {resolve(argv).path for where, argv in COMMANDS
                if where.startswith(prefix) and not where.endswith(("Probe", "healthcheck"))}
    for platform in ("compose", "k8s", "systemd", "Procfile"):
        assert {("ingress",), ("worker",)} <= parts(platform), platform
    assert resolve(dockerfile_cmd()).path == ("ingress",)


def test_the_resolver_refuses_what_click_refuses() -> None:
    """The check above is only as good as ``resolve``: it must fail on a wrong line."""
    for bad in (["hookmaker", "workr"], ["hookmaker", "worker", "--concurency", "2"],
                ["hookmaker", "worker", "--pool", "gevent"], ["hookmaker", "ingress", "extra"],
                ["hookmaker", "--no-such-option", "ingress"]):
        with pytest.raises(click.UsageError):
            resolve(bad)
    good = resolve(["hookmaker", "worker", "-c", "3", "--name", "w@h"])
    assert good == Resolved(("worker",), {**good.params, "concurrency": 3, "name": "w@h"})


def test_servers_bind_the_port_their_platform_routes_to() -> None:
    services = compose()["services"]
    bind = resolve(services["ingress"]["command"]).params["bind"]
    published = [p.rsplit(":", 1)[1] for p in services["ingress"]["ports"]]
    assert bind == f"0.0.0.0:{published[0]}", "inside a container: every interface"
    assert resolve(dockerfile_cmd()).params["bind"] == "0.0.0.0:8080"
    assert "EXPOSE 8080" in {f"{i} {r}" for i, r in dockerfile_final_stage()}


# --- environment variables ---

CODE_ENV = env_vars_read_by_code()


def _required(config_text: str) -> set[str]:
    return {"HOOKMAKER_CONFIG", "REDIS_URL"} | toml_env_refs(config_text)


def _known(config_text: str) -> set[str]:
    return CODE_ENV | toml_env_refs(config_text) | set(RUNTIME_ENV)


def test_the_code_reads_the_variables_the_deploy_files_rely_on() -> None:
    """The source search finds the variables we know the code reads (a check of the check)."""
    assert {"HOOKMAKER_CONFIG", "REDIS_URL"} <= CODE_ENV


def test_compose_env_is_read_by_the_code_and_complete() -> None:
    config = PRODUCTION_CONFIG.read_text(encoding="utf-8")
    for name, service in compose()["services"].items():
        if not is_hookmaker_service(service):
            continue
        env = set(service.get("environment") or {})
        assert env <= _known(config), f"compose {name} sets {env - _known(config)}: read by nothing"
        if loads_config(resolve([interpolate(str(a)) for a in service["command"]])):
            missing = _required(config) - env
            assert not missing, f"compose {name} does not set {missing}"


def test_kubernetes_env_is_read_by_the_code_and_complete() -> None:
    config = configmap_file("hookmaker-config", "hookmaker.toml")
    for workload in k8s_kind("Deployment"):
        for container in pod_containers(workload):
            env = set(k8s_container_env(container))
            where = f"{workload['metadata']['name']}/{container['name']}"
            assert env <= _known(config), f"{where} sets {env - _known(config)}: read by nothing"
            assert not _required(config) - env, f"{where} misses {_required(config) - env}"


def test_systemd_env_is_read_by_the_code_and_complete() -> None:
    config = PRODUCTION_CONFIG.read_text(encoding="utf-8")
    env_file = set(env_file_names(ENV_EXAMPLE))
    for unit in systemd_units():
        assert unit.one("Service", "EnvironmentFile").lstrip("-") == HOST_ENV_FILE
        env = set(unit.environment()) | env_file
        assert env <= _known(config), f"{unit.path.name} sets {env - _known(config)}"
        assert not _required(config) - env, f"{unit.path.name} misses {_required(config) - env}"
        assert unit.environment()["HOOKMAKER_CONFIG"] == HOST_CONFIG_PATH


def test_dockerfile_env_is_read_by_the_code() -> None:
    env = dockerfile_env(dockerfile_final_stage())
    config = PRODUCTION_CONFIG.read_text(encoding="utf-8")
    assert set(env) <= _known(config), set(env) - _known(config)
    assert env["HOOKMAKER_CONFIG"] == HOST_CONFIG_PATH
    assert env["PATH"].split(":")[0] + "/hookmaker" == "/opt/hookmaker/bin/hookmaker"


def test_procfile_relies_only_on_the_platform_port() -> None:
    for name, line in procfile().items():
        expanded_with = shell_expand(line, {"PORT": "5000"})
        expanded_without = shell_expand(line, {})
        changed = {a for a in expanded_with if a not in expanded_without}
        assert changed <= {"0.0.0.0:5000"}, f"Procfile {name} reads more than $PORT"


def test_env_example_lists_what_the_config_and_redis_need() -> None:
    names = set(env_file_names(ENV_EXAMPLE))
    assert names == _required(PRODUCTION_CONFIG.read_text(encoding="utf-8")) - \
        {"HOOKMAKER_CONFIG"}
