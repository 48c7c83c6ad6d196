"""The project `init` makes, as its CI runs it: the workflow's steps, taken from
`.github/workflows/tests.yml` and run here as GitHub Actions runs them (those this
machine can run), in a fresh virtual environment."""

import json
import os
import subprocess
import sys
from importlib import metadata

import copier
import pytest
import tomlkit
import yaml
from conftest import REPO, host_venv, snapshot

from keras_scaffold import __version__
from keras_scaffold.project import find_project, installed_requirement
from keras_scaffold.templates import Templates

TORCH_CPU = "https://download.pytorch.org/whl/cpu"
# The export job's install, and the `export` extra: the packages issue 37 names.
EXPORT_INSTALL = 'python -m pip install -e ".[tensorflow,test,export]"'
EXPORT_EXTRA = ["tf2onnx>=1.16", "onnxruntime>=1.18", "ai-edge-litert>=1.2"]


@pytest.fixture
def project(run_cli, tmp_path):
    backends = ("--data", "test_backends=[tensorflow, torch]")
    assert run_cli("init", "my-layers", *backends, cwd=tmp_path).code == 0
    root = tmp_path / "my-layers"
    assert run_cli("new", "composite", "MyBlock", cwd=root).code == 0
    return root


def jobs(project) -> dict:
    workflow = project / ".github" / "workflows" / "tests.yml"
    return yaml.safe_load(workflow.read_text())["jobs"]


def steps(job: dict, backend: str) -> list[tuple[str, dict]]:
    """(command, environment) of each step that runs a command for `backend`."""
    found = []
    for step in job["steps"]:
        if "run" not in step:
            continue  # `uses:` steps: the checkout and setup-python
        condition = step.get("if")
        if condition is not None and condition != f"matrix.backend == '{backend}'":
            continue
        found.append(
            (
                step["run"].replace("${{ matrix.backend }}", backend),
                {
                    name: str(value).replace("${{ matrix.backend }}", backend)
                    for name, value in step.get("env", {}).items()
                },
            )
        )
    return found


def test_the_workflow_runs_the_hooks_and_tests_each_backend(project):
    hooks, tests = jobs(project)["hooks"], jobs(project)["tests"]
    assert [command for command, _ in steps(hooks, "tensorflow")] == [
        'python -m pip install -e ".[dev]"',
        "pre-commit run --all-files --show-diff-on-failure",
    ]
    assert tests["strategy"]["matrix"]["backend"] == ["tensorflow", "torch"]
    # PyTorch's CPU build before the torch extra, and only for torch.
    torch = [command for command, _ in steps(tests, "torch")]
    assert torch[0] == f"python -m pip install torch --index-url {TORCH_CPU}"
    assert torch[1] == 'python -m pip install -e ".[torch,test]"'
    assert TORCH_CPU not in str(steps(tests, "tensorflow"))
    # The hooks are the dev extra's tools: black, ruff and keras-scaffold's two.
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    entries = [hook["entry"] for repo in config["repos"] for hook in repo["hooks"]]
    assert entries == [
        "black",
        "ruff check --fix",
        "keras-scaffold check",
        "keras-scaffold regenerate --check",
    ]
    settings = find_project(project)
    assert settings is not None
    pyproject = (project / "pyproject.toml").read_text()
    assert f'"{installed_requirement()}",' in pyproject
    assert 'addopts = "-ra"' in pyproject


def test_the_copier_ymls_know_this_version():
    for config in ("copier.yml", "project/copier.yml"):
        text = (Templates().root / config).read_text()
        questions = yaml.safe_load(text.replace("!include", ""))
        assert questions["keras_scaffold_version"]["default"] == __version__


@pytest.mark.parametrize(
    "requirement",
    ["numpy", "keras-scaffold\n>=1", ""],
)
def test_a_requirement_that_is_not_keras_scaffold_is_refused(
    run_cli, tmp_path, requirement
):
    data = f"keras_scaffold_requirement={requirement}"
    result = run_cli("init", "proj", "--data", data, cwd=tmp_path)
    assert result.code != 0 and "keras-scaffold" in result.err
    assert not (tmp_path / "proj").exists()


def test_a_git_requirement_is_written_as_given(run_cli, tmp_path):
    url = 'keras-scaffold @ git+https://example.com/k"s.git@v0.1.0'
    data = f"keras_scaffold_requirement={url}"
    assert run_cli("init", "proj", "--data", data, cwd=tmp_path).code == 0
    import tomlkit

    pyproject = tomlkit.parse((tmp_path / "proj" / "pyproject.toml").read_text())
    assert pyproject["project"]["optional-dependencies"]["dev"][0] == url


def test_the_ci_steps_pass_here(project, tmp_path):
    """Every step of both jobs that can run here (all but PyTorch's CPU build,
    which needs its own index), on the `tensorflow` entry of the matrix."""
    python = host_venv(tmp_path / "venv")
    environment = {
        **os.environ,
        "PATH": os.pathsep.join(
            [str(tmp_path / "venv" / "bin"), os.path.dirname(sys.executable)]
            + [os.environ["PATH"]]
        ),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"),
    }
    assert python.startswith(str(tmp_path))
    outputs = run_jobs(project, ("hooks", "tests"), environment)
    hooks_pass(outputs[1])
    assert " passed" in outputs[-1]


def run_jobs(project, names, environment, backend="tensorflow") -> list[str]:
    """Each step of the jobs `names` (their `backend` entry), in `project` made
    a git checkout as actions/checkout makes it: the output of each."""
    checkout(project)
    return [
        run_step(project, command, {**environment, **variables})
        for job in names
        for command, variables in steps(jobs(project)[job], backend)
    ]


def checkout(project) -> None:
    """Make `project` a git checkout, as actions/checkout does."""
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)


def run_step(project, command, environment, check=True) -> str:
    """Run one step's command as the runner's shell does: its output."""
    completed = subprocess.run(
        command,
        shell=True,
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0 or not check, f"{command}:\n{output[-3000:]}"
    return output


def hooks_pass(output: str) -> None:
    for name in ("black", "ruff check", "keras-scaffold check", "regenerate --check"):
        assert any(name in line and "Passed" in line for line in output.splitlines())


def test_the_dev_install_and_hooks_pass_in_a_fresh_environment(run_cli, tmp_path):
    """Issue 36, 3: the `hooks` job's `pip install -e ".[dev]"` asked the package
    index for `keras-scaffold>=0.1.0`, which is not published there ("No matching
    distribution found"). `init` now writes the requirement pip recorded for the
    running keras-scaffold (PEP 610: a local folder, a git commit, an archive), and
    the package index's only where it came from there. Run as the job runs it, in
    a virtual environment that sees none of this one's packages."""
    try:
        recorded = metadata.distribution("keras-scaffold").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        recorded = None
    if not recorded:
        pytest.skip("this keras-scaffold was not installed from a folder or git")
    if json.loads(recorded).get("url") != REPO.as_uri():
        # The environment installs what pip recorded: another checkout's code and
        # templates, whose `regenerate --check` would judge these against its own.
        pytest.skip("the keras-scaffold installed here is not this checkout")
    assert run_cli("init", "my-layers", cwd=tmp_path).code == 0
    root = tmp_path / "my-layers"
    assert run_cli("new", "simple", "Scaler", cwd=root).code == 0
    subprocess.run(["python", "-m", "venv", str(tmp_path / "venv")], check=True)
    bin_folder = tmp_path / "venv" / "bin"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    environment["PATH"] = os.pathsep.join([str(bin_folder), environment["PATH"]])
    environment["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit")
    hooks_pass(run_jobs(root, ("hooks",), environment)[-1])


def test_the_export_job_runs_the_export_checks_with_the_export_extra(run_cli, tmp_path):
    """Issue 37: the project's `export` extra, and a CI job that installs it and
    runs the export checks (`test_export_to_*`): every format on TensorFlow,
    SavedModel on JAX, whatever backends the tests job runs on. The README shows
    the job's commands, and plain Copier writes the same project."""
    answers = {
        "distribution_name": "my-layers",
        "default_backend": "jax",
        "test_backends": "[jax, torch]",
    }
    data = [arg for item in answers.items() for arg in ("--data", "=".join(item))]
    assert run_cli("init", "my-layers", *data, cwd=tmp_path).code == 0
    project = tmp_path / "my-layers"
    export = jobs(project)["export"]
    assert export["strategy"]["matrix"]["backend"] == ["tensorflow", "jax"]
    test_all = "python -m pytest -k test_export_to_"
    assert steps(export, "tensorflow") == [
        (EXPORT_INSTALL, {}),
        (test_all, {"KERAS_BACKEND": "tensorflow"}),
    ]
    # Keras exports SavedModel on JAX through TensorFlow (jax2tf).
    assert steps(export, "jax") == [
        (EXPORT_INSTALL, {}),
        ('python -m pip install -e ".[jax]"', {}),
        ("python -m pytest -k test_export_to_tf_saved_model", {"KERAS_BACKEND": "jax"}),
    ]
    pyproject = tomlkit.parse((project / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    assert list(extras["export"]) == EXPORT_EXTRA
    assert list(extras["test"]) == ["pytest>=8"]
    readme = (project / "README.md").read_text()
    assert f"{EXPORT_INSTALL}\nKERAS_BACKEND=tensorflow {test_all}\n" in readme
    assert 'model.export("served", format="tf_saved_model")' in readme
    # The same answers given to plain Copier give the same files.
    copier.run_copy(
        str(Templates().root / "project"),
        tmp_path / "copied",
        data={
            **answers,
            "test_backends": ["jax", "torch"],
            "keras_scaffold_requirement": installed_requirement(),
        },
        defaults=True,
        quiet=True,
    )
    copied = snapshot(tmp_path / "copied")
    # But for the template's absolute path, which init does not record.
    lines = copied[".copier-answers.yml"].decode().splitlines(keepends=True)
    portable = [line for line in lines if not line.startswith("_src_path: /")]
    assert len(portable) == len(lines) - 1
    copied[".copier-answers.yml"] = "".join(portable).encode()
    assert snapshot(project) == copied


def test_the_export_job_passes_here(run_cli, tmp_path):
    """Issue 37: a project made by `init`, with a composite layer of an activation
    that exports to every format (an exact `gelu` does not load in onnxruntime),
    runs its CI's export job here: both entries, in a fresh virtual environment
    that sees this one's packages (Keras, TensorFlow, JAX, the export extra's)."""
    assert run_cli("init", "my-layers", cwd=tmp_path).code == 0
    project = tmp_path / "my-layers"
    relu = ("--param", "activation:activation=relu")
    assert run_cli("new", "composite", "MyBlock", *relu, cwd=project).code == 0
    host_venv(tmp_path / "venv")
    environment = {
        **os.environ,
        "PATH": os.pathsep.join(
            [str(tmp_path / "venv" / "bin"), os.path.dirname(sys.executable)]
            + [os.environ["PATH"]]
        ),
    }
    checkout(project)
    for backend in ("tensorflow", "jax"):
        *installs, (test, variables) = steps(jobs(project)["export"], backend)
        for command, more in installs:
            run_step(project, command, {**environment, **more})
        environment_of_test = {**environment, **variables}
        # The export checks are keras-scaffold's shared checks, which every
        # generated test file runs (tests/keras_scaffold_checks.py). Where they
        # are missing the job's `-k` selects nothing: say so here, not as
        # pytest's exit code 5 (no tests ran) from the job's step.
        collected = run_step(
            project, f"{test} --collect-only -q", environment_of_test, check=False
        )
        selected = [
            line for line in collected.splitlines() if "::test_export_to_" in line
        ]
        assert selected, (
            f"{backend}: the shared checks have no test_export_to_* method for "
            "the export job to run (issue 37's export checks, in "
            "templates/_shared/checks.py.jinja):\n" + collected[-2000:]
        )
        assert all(line.startswith("tests/test_my_block.py::") for line in selected)
        summary = run_step(project, test, environment_of_test)
        last = summary.strip().splitlines()[-1]
        # Served, not skipped: this machine has every format's packages.
        assert " passed" in last and "skipped" not in last, summary[-3000:]
