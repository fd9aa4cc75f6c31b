"""Read the files under ``deploy/`` the way their platforms do, for the deploy tests.

Pure parsing: YAML documents, Kubernetes objects, compose services, systemd units, the
Procfile and the Dockerfile; the ``hookmaker`` command lines they run, resolved against the
real click command tree; the environment variables the code reads, found in its source.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import click
import yaml

from hookmaker.cli import main as hookmaker_cli

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
CONFIG_DIR = DEPLOY / "config"
PRODUCTION_CONFIG = CONFIG_DIR / "hookmaker.toml"
ENV_EXAMPLE = DEPLOY / "hookmaker.env.example"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
PROCFILE = DEPLOY / "Procfile"
SYSTEMD = DEPLOY / "systemd"
ALERTS = DEPLOY / "prometheus" / "alerts.yaml"
OPERATIONS = ROOT / "docs" / "operations.md"

# Where the deploy files install the config and the env file on a machine (systemd).
HOST_CONFIG_PATH = "/etc/hookmaker/hookmaker.toml"
HOST_ENV_FILE = "/etc/hookmaker/hookmaker.env"

# Variables set for the runtime, not for Hookmaker's code, each with its reader.
RUNTIME_ENV = {
    "PATH": "the shell and exec: where `hookmaker` is found",
    "PYTHONUNBUFFERED": "CPython: log lines leave the process at once",
    "PYTHONDONTWRITEBYTECODE": "CPython: no .pyc files in a read-only image",
}


# --- YAML and Kubernetes ---

def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))


def yaml_documents(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


def k8s_objects() -> list[tuple[Path, dict]]:
    """Every Kubernetes object under deploy/k8s (kustomization files included)."""
    return [(path, doc) for path in sorted(K8S.rglob("*.yaml")) for doc in yaml_documents(path)]


def k8s_kind(kind: str) -> list[dict]:
    return [doc for _, doc in k8s_objects() if doc.get("kind") == kind]


def k8s_one(kind: str, name: str) -> dict:
    found = [doc for doc in k8s_kind(kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_containers(workload: dict) -> list[dict]:
    spec = workload["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def container_argv(container: dict) -> list[str]:
    return [*container.get("command", []), *container.get("args", [])]


def probe_commands(container: dict) -> Iterator[tuple[str, list[str]]]:
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = container.get(kind) or {}
        if "exec" in probe:
            yield kind, list(probe["exec"]["command"])


def k8s_container_env(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


# --- compose ---

INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")


def compose() -> dict:
    (doc,) = yaml_documents(COMPOSE)
    return doc


def interpolate(value: str, environ: dict[str, str] | None = None) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}``, ``${NAME:?error}`` with ``environ``."""
    environ = environ or {}

    def one(m: re.Match) -> str:
        name, op, arg = m.group("name"), m.group("op"), m.group("arg")
        if environ.get(name):
            return environ[name]
        if op in (":-", "-"):
            return arg
        if op in (":?", "?"):
            raise KeyError(f"{name}: {arg}")
        return ""

    return INTERPOLATION.sub(one, value)


def is_hookmaker_service(service: dict) -> bool:
    return "hookmaker" in str(service.get("image", "")) or "build" in service


# --- Dockerfile ---

def dockerfile_final_stage() -> list[tuple[str, str]]:
    """(instruction, argument) of the last stage, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    stages: list[list[tuple[str, str]]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), rest.strip()))
    return stages[-1]


def dockerfile_env(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, rest in stage:
        if instruction == "ENV":
            for item in shlex.split(rest):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def dockerfile_cmd() -> list[str]:
    cmds = [rest for instruction, rest in dockerfile_final_stage() if instruction == "CMD"]
    assert len(cmds) == 1, "the final stage has one CMD"
    argv = json.loads(cmds[0])     # exec form: PID 1 is the command itself, not /bin/sh
    assert isinstance(argv, list)
    return argv


# --- systemd ---

@dataclass
class Unit:
    path: Path
    entries: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def all(self, section: str, key: str) -> list[str]:
        return [v for k, v in self.entries.get(section, []) if k == key]

    def one(self, section: str, key: str) -> str:
        values = self.all(section, key)
        assert len(values) == 1, f"{self.path.name}: [{section}] {key} set {len(values)} times"
        return values[0]

    def environment(self) -> dict[str, str]:
        """Every ``Environment=`` assignment (systemd's quoting rules are shell-like)."""
        env: dict[str, str] = {}
        for line in self.all("Service", "Environment"):
            for item in shlex.split(line):
                name, _, value = item.partition("=")
                env[name] = value
        return env


def systemd_units() -> list[Unit]:
    return [parse_unit(p) for p in sorted(SYSTEMD.glob("*.service"))]


def parse_unit(path: Path) -> Unit:
    unit = Unit(path)
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        assert section, f"{path.name}: {line!r} outside a section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: {line!r} is not KEY=VALUE"
        unit.entries.setdefault(section, []).append((key.strip(), value.strip()))
    return unit


def expand_specifiers(text: str, *, instance: str = "", host: str = "localhost") -> str:
    """systemd's unit specifiers that the units use: %i, %H and %%."""
    table = {"i": instance, "I": instance, "H": host, "%": "%"}

    def one(m: re.Match) -> str:
        assert m.group(1) in table, f"unexpected specifier %{m.group(1)} in {text!r}"
        return table[m.group(1)]

    return re.sub(r"%(.)", one, text)


def timespan_s(value: str) -> float:
    """A systemd time span such as ``45``, ``45s``, ``3min`` or ``1min 30s``."""
    units = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value):
        total += float(number) * units[unit]
    return total


def env_file_names(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of an env file (systemd EnvironmentFile, compose .env)."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, f"{path.name}: {line!r} is not KEY=VALUE"
            out[name.strip()] = value.strip()
    return out


# --- Procfile ---

def procfile() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in PROCFILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, command = line.partition(":")
            assert sep and re.fullmatch(r"[a-z][a-z0-9_-]*", name), f"Procfile: {line!r}"
            out[name] = command.strip()
    return out


def shell_expand(command: str, environ: dict[str, str]) -> list[str]:
    """The command ``sh -c`` runs: ``$NAME`` / ``${NAME:-default}`` expanded, then split;
    a leading ``exec`` (the shell becomes the command) is the shell's, not the command's."""
    def one(m: re.Match) -> str:
        return environ.get(m.group(1)) or (m.group(2) or "")
    expanded = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}", one, command)
    expanded = re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)", lambda m: environ.get(m.group(1), ""),
                      expanded)
    words = shlex.split(expanded)
    return words[1:] if words[:1] == ["exec"] else words


# --- the hookmaker command line ---

@dataclass
class Resolved:
    path: tuple[str, ...]                 # e.g. ("worker",) or ("emulator",)
    params: dict[str, Any]                # the leaf command's parsed parameters


def is_hookmaker(argv: list[str]) -> bool:
    return bool(argv) and (argv[0] == "hookmaker" or argv[0].endswith("/bin/hookmaker"))


def resolve(argv: list[str]) -> Resolved:
    """Parse a ``hookmaker ...`` command line with click, exactly as the command would.

    Raises:
        click.UsageError: an unknown command or option, a bad value, a missing argument.
    """
    assert is_hookmaker(argv), f"not a hookmaker command: {argv}"
    command: click.Command = hookmaker_cli
    parent: click.Context | None = None
    name, args, path = "hookmaker", list(argv[1:]), []
    while isinstance(command, click.Group):
        ctx = click.Context(command, info_name=name, parent=parent)
        with ctx.scope(cleanup=False):
            rest = click.Command.parse_args(command, ctx, args)   # the group's own options
        if not rest:
            assert command.invoke_without_command, f"{' '.join(argv)}: no subcommand"
            return Resolved(tuple(path), dict(ctx.params))
        name, sub, args = command.resolve_command(ctx, rest)
        assert sub is not None and name is not None
        path.append(name)
        command, parent = sub, ctx
    ctx = command.make_context(name, args, parent=parent)
    return Resolved(tuple(path), dict(ctx.params))


def loads_config(resolved: Resolved) -> bool:
    """Does this command read the TOML config (and so need its env vars)?"""
    return resolved.path[:1] not in (("emulator",), ("worker-health",))


# --- the environment variables the code reads ---

PACKAGES = sorted(p.parent.name for p in ROOT.glob("*/__init__.py")
                  if p.parent.name not in ("tests", "bench", "deploy"))


def env_vars_read_by_code() -> set[str]:
    """Names read through ``environ``/``getenv``/``envvar=`` in the project's packages.

    Names given by constants (``environ.get(D.DEFAULT_CONFIG_ENV)``) are resolved through
    the modules' string constants; reads of a computed name (a secret's ``env:NAME``) are
    not here: they come from the config's references.
    """
    trees = [ast.parse(p.read_text(encoding="utf-8"), str(p))
             for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    constants: dict[str, set[str]] = {}
    for tree in trees:
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        constants.setdefault(target.id, set()).add(node.value.value)
    found: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            for expr in _env_name_exprs(node):
                found |= _strings(expr, constants)
    return found


def _is_environ(node: ast.AST) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return name.endswith("environ")


def _env_name_exprs(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("get", "pop", "setdefault") \
                and _is_environ(func.value) and node.args:
            yield node.args[0]
        if (isinstance(func, ast.Name) and func.id == "getenv") or \
                (isinstance(func, ast.Attribute) and func.attr == "getenv"):
            if node.args:
                yield node.args[0]
        for kw in node.keywords:
            if kw.arg == "envvar":
                yield kw.value
    elif isinstance(node, ast.Subscript) and _is_environ(node.value):
        yield node.slice
    elif isinstance(node, ast.Compare) and any(isinstance(op, ast.In) for op in node.ops) \
            and any(_is_environ(c) for c in node.comparators):
        yield node.left


def _strings(expr: ast.AST, constants: dict[str, set[str]]) -> set[str]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, (ast.List, ast.Tuple)):
        return set().union(*(_strings(e, constants) for e in expr.elts))
    if isinstance(expr, ast.Name):
        return constants.get(expr.id, set())
    if isinstance(expr, ast.Attribute):
        return constants.get(expr.attr, set())
    return set()


def toml_env_refs(text: str) -> set[str]:
    """The ``env:NAME`` secret references in a TOML config."""
    refs: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and value.startswith("env:"):
            refs.add(value[4:])

    walk(tomllib.loads(text))
    return refs


def configmap_file(name: str, key: str) -> str:
    return k8s_one("ConfigMap", name)["data"][key]
