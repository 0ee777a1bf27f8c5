"""The GitHub Pages workflow, of this project and of `sitegen new`: actionlint, the rules it
must keep (triggers, permissions, concurrency, cache), and its build steps run here as the
runner would run them, with the address configure-pages would give."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

from sitegen.config import Config

REPO = Path(__file__).resolve().parent.parent
PROJECT_WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"
WORKFLOW = Path(".github") / "workflows" / "pages.yml"
BIN = Path(sys.executable).parent
# What actions/configure-pages outputs for a project site, and for one with a custom domain.
PROJECT_SITE = {"base_path": "/sitegen", "base_url": "https://owner.github.io/sitegen"}
CUSTOM_DOMAIN = {"base_path": "", "base_url": "https://reviews.example.org"}
OFFICIAL = {"actions/checkout", "actions/setup-python", "actions/configure-pages",
            "actions/cache", "actions/upload-pages-artifact", "actions/deploy-pages"}


def sitegen(cwd: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory) -> Path:
    """A review made by `sitegen new`, holding the workflow it ships."""
    root = tmp_path_factory.mktemp("new")
    assert sitegen(root, "new", "review", "-q").returncode == 0
    return root / "review"


@pytest.fixture(params=["project", "scaffold"])
def workflow_file(request, scaffold) -> Path:
    return PROJECT_WORKFLOW if request.param == "project" else scaffold / WORKFLOW


def load(path: Path) -> dict:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads `on` as true
    return workflow


def action(step: dict) -> str:
    return step.get("uses", "").split("@")[0]


def test_actionlint_finds_nothing(workflow_file):
    actionlint = shutil.which("actionlint", path=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    assert actionlint, "actionlint not installed (pip install -e '.[test]')"
    result = subprocess.run([actionlint, "-no-color", str(workflow_file)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_is_really_checking(tmp_path):
    """The checks above mean something: a wrong output name of configure-pages is caught."""
    broken = tmp_path / "pages.yml"
    broken.write_text(PROJECT_WORKFLOW.read_text(encoding="utf-8").replace(
        "outputs.base_path", "outputs.base_pat"), encoding="utf-8")
    actionlint = shutil.which("actionlint", path=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run([actionlint, "-no-color", str(broken)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1 and 'property "base_pat" is not defined' in result.stdout


def test_triggers_permissions_concurrency_and_cache(workflow_file):
    workflow = load(workflow_file)
    push = workflow["on"]["push"]
    assert {"content/**", "config.yml", "themes/**", ".github/workflows/pages.yml"} <= set(
        push["paths"])
    assert "workflow_dispatch" in workflow["on"] and workflow["on"]["schedule"][0]["cron"]
    # Least privilege: only the deploy job may publish or mint an identity token.
    assert workflow["permissions"] == {"contents": "read"}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert "write" not in build["permissions"].values()
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    # A deployment is never cancelled half-way by the next push.
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    steps = build["steps"]
    assert {action(s) for s in steps + deploy["steps"]} - {""} == OFFICIAL
    cache = next(s for s in steps if action(s) == "actions/cache")
    assert cache["with"]["path"] == Config(root=REPO).cache_dir.as_posix()
    assert "github.sha" in cache["with"]["key"] and cache["with"]["restore-keys"]
    upload = next(s for s in steps if action(s) == "actions/upload-pages-artifact")
    names = [s.get("name", action(s)) for s in steps]
    # Restore the cache before building; check before uploading anything.
    assert names.index("Restore the build cache") < names.index("Build") < names.index(
        "Check links, labels and sitemap") < names.index("actions/upload-pages-artifact")
    assert f"--output {upload['with']['path']}" in next(s["run"] for s in steps
                                                         if s.get("name") == "Build")


def test_project_and_scaffold_use_the_same_actions(scaffold):
    def uses(path: Path) -> list[str]:
        workflow = load(path)
        return [s["uses"] for job in workflow["jobs"].values() for s in job["steps"]
                if "uses" in s]

    assert uses(PROJECT_WORKFLOW) == uses(scaffold / WORKFLOW)


def run_build_steps(workflow_path: Path, root: Path, pages: dict[str, str]) -> Path:
    """Run the build job's shell steps in `root`, as the runner would; returns the artifact.

    The install step is left out: the tool under test is this checkout's, already on PATH
    (test_a_wheel_install_builds_a_new_site covers installing). Expressions may only be
    configure-pages outputs, passed through env: never spliced into a script.
    """
    artifact = None
    for step in load(workflow_path)["jobs"]["build"]["steps"]:
        if action(step) == "actions/upload-pages-artifact":
            artifact = root / step["with"]["path"]
        if "run" not in step or step.get("name") == "Install sitegen":
            continue
        assert "${{" not in step["run"], f"{step['name']}: pass expressions through env"
        env = {}
        for key, value in step.get("env", {}).items():
            match = re.fullmatch(r"\$\{\{ steps\.pages\.outputs\.(\w+) \}\}", value)
            assert match, f"{step['name']}: {key}: the test does not know {value}"
            env[key] = pages[match.group(1)]
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=root,
            env={**os.environ, **env, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
            capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"{step['name']}:\n{result.stdout}\n{result.stderr}"
    assert artifact is not None and artifact.is_dir()
    return artifact


@pytest.mark.parametrize("pages", [PROJECT_SITE, CUSTOM_DOMAIN], ids=["project", "domain"])
def test_the_project_workflow_builds_a_site_that_works_at_its_address(project, serve, pages):
    artifact = run_build_steps(PROJECT_WORKFLOW, project, pages)
    site_url = pages["base_url"] + "/"
    assert f"<loc>{site_url}papers/" in (artifact / "sitemap.xml").read_text(encoding="utf-8")
    # Served the way Pages serves it: every page and asset of the home page is reachable.
    base = serve(artifact, pages["base_path"] + "/")
    with urllib.request.urlopen(base, timeout=30) as resp:
        home = resp.read().decode()
    for link in re.findall(r'(?:href|src)="((?!https?:|#)[^"]+)"', home):
        with urllib.request.urlopen(base + link, timeout=30) as resp:
            assert resp.status == 200, link


def test_the_scaffold_workflow_builds_the_new_site(scaffold):
    artifact = run_build_steps(scaffold / WORKFLOW, scaffold, PROJECT_SITE)
    assert "Ariadne" in (artifact / "index.html").read_text(encoding="utf-8")


def test_a_wheel_install_builds_a_new_site(tmp_path):
    """What `pip install -r requirements.txt` gives the scaffold's workflow: a wheel, not this
    checkout. Builds one and uses it from a folder outside the checkout."""
    wheel = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                            str(tmp_path / "dist"), str(REPO)],
                           capture_output=True, text=True, timeout=600)
    assert wheel.returncode == 0, wheel.stderr
    lib = tmp_path / "lib"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                              "--target", str(lib), *map(str, (tmp_path / "dist").glob("*"))],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PYTHONPATH": str(lib)}
    where = subprocess.run([sys.executable, "-c", "import sitegen; print(sitegen.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert where.stdout.startswith(str(lib)), where.stdout  # really the installed wheel
    assert sitegen(tmp_path, "new", "site", "-q", env=env).returncode == 0
    npm = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=tmp_path / "site",
                         capture_output=True, text=True, timeout=300)  # as the workflow does
    assert npm.returncode == 0, npm.stderr
    built = sitegen(tmp_path / "site", "build", "-q", env=env)
    assert built.returncode == 0, built.stderr
