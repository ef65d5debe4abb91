#!/usr/bin/env python3
"""Checks the deploy files with what this machine has (no container engine, no cluster).

  tests/deploy/check_deploy_files.py [BIN_DIR]     (default build/bin)

- deploy/compose.yaml, deploy/compose.redis.yaml and deploy/kubernetes/*.yaml parse (python3-yaml) and hang together:
  selectors match pod labels, referenced Secrets and keys exist, every container has resource
  requests and limits, runs as non-root on a read-only root file system, and has probes (gRPC
  for the server, HTTP for the gateway); compose.redis.yaml has two gateways dialing every
  replica (dns:/// of an alias they share), two replicas on its one Redis, and Redis with
  appendfsync always and noeviction;
- every LIVEEVENTS_<FLAG> they (and the Dockerfile) set names a flag of the binary it configures
  (read from BIN_DIR/<binary> --helpfull);
- the Dockerfile builds with scripts/install-deps.sh, the script behind the README's
  scripts/run.sh and scripts/test.sh, in Release, and its runtime stage carries no toolchain,
  runs as a numeric non-root user, has health checks, and installs every Debian package whose
  libraries the built binaries load (ldd, dpkg -S, apt-cache depends), when those tools exist.
Exits 1 listing every problem found.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is not installed (apt-get install python3-yaml)")
    sys.exit(77)  # ctest: skipped.

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
problems = []
notes = []


def problem(message):
    problems.append(message)


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


def flags_of(bin_dir, binary, cache={}):
    """The flag names `binary --helpfull` lists, or None when the binary is not built."""
    if binary not in cache:
        path = os.path.join(bin_dir, binary)
        if not os.access(path, os.X_OK):
            cache[binary] = None
        else:
            env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEEVENTS_")}
            out = subprocess.run([path, "--helpfull"], capture_output=True, text=True, env=env)
            cache[binary] = set(re.findall(r"^\s+--([a-z0-9_]+) \(", out.stdout, re.M))
    return cache[binary]


def check_env_names(where, binary, names, bin_dir):
    flags = flags_of(bin_dir, binary)
    if flags is None:
        notes.append(f"{binary} not built in {bin_dir}: environment names not checked")
        return
    for name in names:
        if not name.startswith("LIVEEVENTS_"):
            continue
        flag = name[len("LIVEEVENTS_"):].lower()
        if flag not in flags:
            problem(f"{where}: {name} names no flag of {binary}")


def binary_of(image):
    for binary in ("liveevents-server", "liveevents-gateway"):
        if binary in image:
            return binary
    return None


def check_kubernetes(bin_dir):
    docs = []
    for path in sorted(glob.glob(os.path.join(ROOT, "deploy", "kubernetes", "*.yaml"))):
        for doc in load_all(path):
            docs.append((os.path.relpath(path, ROOT), doc))
    if not docs:
        problem("deploy/kubernetes: no manifests")
        return
    kustomization = [d for _, d in docs if d.get("kind") == "Kustomization"]
    for k in kustomization:
        for resource in k.get("resources", []):
            if not os.path.exists(os.path.join(ROOT, "deploy", "kubernetes", resource)):
                problem(f"kustomization.yaml lists missing {resource}")
    objects = [(p, d) for p, d in docs if d.get("kind") != "Kustomization"]
    for path, doc in objects:
        for key in ("apiVersion", "kind", "metadata"):
            if key not in doc:
                problem(f"{path}: a document without {key}")
    secrets = {d["metadata"]["name"]: set(d.get("stringData", {})) | set(d.get("data", {}))
               for _, d in objects if d.get("kind") == "Secret"}
    services = {d["metadata"]["name"]: d for _, d in objects if d.get("kind") == "Service"}
    workloads = [(p, d) for p, d in objects if d.get("kind") in ("Deployment", "StatefulSet")]
    pod_labels = [d["spec"]["template"]["metadata"]["labels"] for _, d in workloads]

    def selects_a_pod(selector):
        return any(all(labels.get(k) == v for k, v in selector.items()) for labels in pod_labels)

    for path, doc in objects:
        kind, name = doc.get("kind"), doc["metadata"].get("name")
        if kind == "Service" and not selects_a_pod(doc["spec"].get("selector", {})):
            problem(f"{path}: Service {name} selects no pod")
        if kind == "PodDisruptionBudget":
            if not selects_a_pod(doc["spec"]["selector"].get("matchLabels", {})):
                problem(f"{path}: PodDisruptionBudget {name} selects no pod")
    for path, doc in workloads:
        kind, name, spec = doc["kind"], doc["metadata"]["name"], doc["spec"]
        pod = spec["template"]["spec"]
        where = f"{path}: {kind} {name}"
        if spec["selector"]["matchLabels"].items() - spec["template"]["metadata"]["labels"].items():
            problem(f"{where}: selector does not match its pod labels")
        if kind == "StatefulSet":
            if not spec.get("volumeClaimTemplates"):
                problem(f"{where}: no volumeClaimTemplates for the embedded store")
            governing = services.get(spec.get("serviceName"))
            if governing is None or governing["spec"].get("clusterIP") != "None":
                problem(f"{where}: serviceName is not a headless Service")
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            problem(f"{where}: pod securityContext lacks runAsNonRoot")
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        claims = {c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])}
        for volume in volumes.values():
            secret = volume.get("secret")
            if secret:
                if secret["secretName"] not in secrets:
                    problem(f"{where}: Secret {secret['secretName']} is not defined")
                for item in secret.get("items", []):
                    if item["key"] not in secrets.get(secret["secretName"], set()):
                        problem(f"{where}: Secret key {item['key']} is not defined")
        for container in pod["containers"]:
            cwhere = f"{where} container {container['name']}"
            resources = container.get("resources", {})
            for part in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in resources.get(part, {}):
                        problem(f"{cwhere}: no {part}.{resource}")
            sc = container.get("securityContext", {})
            if sc.get("readOnlyRootFilesystem") is not True:
                problem(f"{cwhere}: root file system is writable")
            if sc.get("allowPrivilegeEscalation") is not False:
                problem(f"{cwhere}: allowPrivilegeEscalation is not false")
            if "ALL" not in sc.get("capabilities", {}).get("drop", []):
                problem(f"{cwhere}: capabilities are not all dropped")
            for mount in container.get("volumeMounts", []):
                if mount["name"] not in volumes and mount["name"] not in claims:
                    problem(f"{cwhere}: mounts undefined volume {mount['name']}")
            binary = binary_of(container["image"])
            probe_kind = {"liveevents-server": "grpc", "liveevents-gateway": "httpGet"}.get(binary)
            for probe in ("readinessProbe", "livenessProbe"):
                if probe_kind not in container.get(probe, {}):
                    problem(f"{cwhere}: {probe} is not a {probe_kind} probe")
            if binary:
                names = [e["name"] for e in container.get("env", [])]
                check_env_names(cwhere, binary, names, bin_dir)


def check_compose(bin_dir, file_name="compose.yaml"):
    path = os.path.join(ROOT, "deploy", file_name)
    (compose,) = load_all(path)
    defined_secrets = set(compose.get("secrets", {}))
    defined_volumes = set(compose.get("volumes", {}))
    for name, service in compose["services"].items():
        where = f"deploy/{file_name}: service {name}"
        for secret in service.get("secrets", []):
            if secret not in defined_secrets:
                problem(f"{where}: secret {secret} is not defined")
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")) and source not in defined_volumes:
                problem(f"{where}: volume {source} is not defined")
        if service.get("read_only") is not True:
            problem(f"{where}: root file system is writable")
        for dependency in service.get("depends_on", {}):
            if dependency not in compose["services"]:
                problem(f"{where}: depends on unknown service {dependency}")
        binary = binary_of(service.get("image", ""))
        if binary:
            check_env_names(where, binary, list(service.get("environment", {})), bin_dir)
    return compose


def check_compose_redis(bin_dir):
    """deploy/compose.redis.yaml: two gateways, two replicas on one Redis, consistent flags."""
    file_name = "compose.redis.yaml"
    compose = check_compose(bin_dir, file_name)
    services = compose["services"]
    by_binary = {"liveevents-server": {}, "liveevents-gateway": {}}
    for name, service in services.items():
        binary = binary_of(service.get("image", ""))
        if binary:
            by_binary[binary][name] = service
    servers, gateways = by_binary["liveevents-server"], by_binary["liveevents-gateway"]
    if len(servers) < 2 or len(gateways) < 2:
        problem(f"deploy/{file_name}: wants two replicas and two gateways, has "
                f"{len(servers)} and {len(gateways)}")
    redis = [n for n, s in services.items() if s.get("image", "").startswith("redis")]
    if len(redis) != 1:
        problem(f"deploy/{file_name}: wants one Redis service, has {len(redis)}")
        return
    command = " ".join(str(part) for part in services[redis[0]].get("command", []))
    for setting in ("--appendonly yes", "--appendfsync always", "--maxmemory-policy noeviction"):
        if setting not in command:
            problem(f"deploy/{file_name}: Redis runs without {setting} (docs/scaling.md)")
    aliases = {}  # Network name a gateway may dial -> the services it reaches.
    for name, service in servers.items():
        env = service.get("environment", {})
        where = f"deploy/{file_name}: service {name}"
        if env.get("LIVEEVENTS_STORE") != "redis":
            problem(f"{where}: LIVEEVENTS_STORE is not redis")
        host = str(env.get("LIVEEVENTS_REDIS_ADDRESS", "")).rsplit(":", 1)[0]
        if host not in redis:
            problem(f"{where}: LIVEEVENTS_REDIS_ADDRESS names {host!r}, not the Redis service")
        if host not in service.get("depends_on", {}):
            problem(f"{where}: does not wait for Redis (depends_on)")
        aliases.setdefault(name, set()).add(name)
        for network in (service.get("networks") or {}).values():
            for alias in (network or {}).get("aliases", []):
                aliases.setdefault(alias, set()).add(name)
    for name, service in gateways.items():
        where = f"deploy/{file_name}: service {name}"
        target = str(service.get("environment", {}).get("LIVEEVENTS_SERVICE_ADDRESS", ""))
        match = re.fullmatch(r"dns:///([\w.-]+):(\d+)", target)
        if not match:
            problem(f"{where}: LIVEEVENTS_SERVICE_ADDRESS {target!r} is not dns:///NAME:PORT")
            continue
        reached = aliases.get(match.group(1), set())
        if reached != set(servers):
            problem(f"{where}: {target} reaches {sorted(reached)}, not every replica "
                    f"{sorted(servers)}")
        if match.group(2) != "50051":
            problem(f"{where}: {target} is not the replicas' gRPC port 50051")


def dockerfile_stages():
    """{stage name: [instruction lines, continuations joined]} of the Dockerfile."""
    with open(os.path.join(ROOT, "Dockerfile"), encoding="utf-8") as f:
        text = re.sub(r"\\\n", " ", f.read())
    stages, current = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.I)
        if match:
            current = match.group(2) or match.group(1)
            stages[current] = [line]
        elif current:
            stages[current].append(line)
    return stages


def check_dockerfile(bin_dir):
    stages = dockerfile_stages()
    for needed in ("build", "runtime", "server", "gateway"):
        if needed not in stages:
            problem(f"Dockerfile: no stage {needed}")
            return
    build = " ".join(stages["build"])
    if not stages["build"][0].split()[1].startswith("debian:12"):
        problem("Dockerfile: the build stage is not Debian 12")
    if "scripts/install-deps.sh" not in build:
        problem("Dockerfile: the build stage does not install with scripts/install-deps.sh")
    for script in ("run.sh", "test.sh"):
        with open(os.path.join(ROOT, "scripts", script), encoding="utf-8") as f:
            if "scripts/install-deps.sh" not in f.read():
                problem(f"scripts/{script} no longer uses scripts/install-deps.sh; align the Dockerfile")
    if "-DCMAKE_BUILD_TYPE=Release" not in build:
        problem("Dockerfile: the build is not Release")
    runtime = " ".join(stages["runtime"])
    if not stages["runtime"][0].split()[1].startswith("debian:12"):
        problem("Dockerfile: the runtime stage is not Debian 12")
    for tool in ("build-essential", "cmake", "g++", "-dev ", "ninja-build"):
        if tool in runtime:
            problem(f"Dockerfile: the runtime stage installs {tool.strip()}")
    user = [line.split()[1] for line in stages["runtime"] if line.upper().startswith("USER ")]
    if not user or not user[-1].split(":")[0].isdigit() or user[-1].split(":")[0] == "0":
        problem("Dockerfile: the runtime stage does not switch to a numeric non-root USER")
    for stage, binary in (("server", "liveevents-server"), ("gateway", "liveevents-gateway")):
        lines = stages[stage]
        if not stages[stage][0].split()[1] == "runtime":
            problem(f"Dockerfile: stage {stage} is not built on the runtime stage")
        if not any(line.upper().startswith("HEALTHCHECK ") for line in lines):
            problem(f"Dockerfile: stage {stage} has no HEALTHCHECK")
        env = " ".join(line[4:] for line in lines if line.upper().startswith("ENV "))
        check_env_names(f"Dockerfile stage {stage}", binary, re.findall(r"(LIVEEVENTS_\w+)=", env),
                        bin_dir)
    check_runtime_packages(runtime, bin_dir)


def check_runtime_packages(runtime, bin_dir):
    if not all(shutil.which(tool) for tool in ("ldd", "dpkg", "apt-cache")):
        notes.append("ldd, dpkg or apt-cache missing: runtime libraries not checked")
        return
    binaries = [os.path.join(bin_dir, b) for b in ("liveevents-server", "liveevents-gateway", "livectl")]
    if not all(os.access(b, os.X_OK) for b in binaries):
        notes.append(f"binaries not built in {bin_dir}: runtime libraries not checked")
        return
    match = re.search(r"apt-get install\s+(.*?)(?:&&|$)", runtime)
    listed = [w for w in match.group(1).split() if not w.startswith("-")] if match else []
    libraries = set()
    for binary in binaries:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
        libraries |= {os.path.realpath(m) for m in re.findall(r"=> (/\S+)", out)}
    # usrmerge: dpkg may know a library as /lib/... rather than /usr/lib/..., so ask for both.
    candidates = sorted(libraries | {l.replace("/usr/lib/", "/lib/", 1) for l in libraries})
    out = subprocess.run(["dpkg", "-S"] + candidates, capture_output=True, text=True).stdout
    owners = {}
    for line in out.splitlines():
        package, _, path = line.partition(": ")
        owners[path.replace("/usr/lib/", "/lib/", 1)] = package.split(":")[0]
    needed = set()
    for library in sorted(libraries):
        owner = owners.get(library.replace("/usr/lib/", "/lib/", 1))
        if owner:
            needed.add(owner)
        else:
            notes.append(f"no Debian package owns {library}")
    closure = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
         "--no-breaks", "--no-replaces", "--no-enhances"] + listed,
        capture_output=True, text=True).stdout
    available = set(listed) | set(re.findall(r"Depends: <?([\w.+-]+)", closure))
    available |= {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}  # In debian:12-slim already.
    # Sanitizer builds (scripts/test.sh --asan) load their runtimes; the image is Release.
    needed = {p for p in needed if not re.match(r"lib(a|ub|t|l|hwa)san\d", p)}
    for package in sorted(needed - available):
        problem(f"Dockerfile: the runtime stage lacks {package} (the binaries load its libraries)")


def main():
    bin_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "bin"))
    check_kubernetes(bin_dir)
    check_compose(bin_dir)
    check_compose_redis(bin_dir)
    check_dockerfile(bin_dir)
    for note in sorted(set(notes)):
        print(f"note: {note}")
    for p in problems:
        print(f"FAIL: {p}")
    if problems:
        return 1
    print("deploy files: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
