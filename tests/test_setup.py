"""The two set-up commands: README, Makefile, CI script and the system-dependency check."""

import os
import re
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_opens_with_exactly_the_two_commands():
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash)?\n(.*?)```", text, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    assert text.index("make demo") < 200


def test_ci_runs_the_readme_test_command_and_nothing_else():
    lines = [ln.strip() for ln in (ROOT / ".ci/run").read_text().splitlines()]
    commands = [ln for ln in lines if ln and not ln.startswith("#")]
    assert commands[-1] == "make test"
    assert all(c.startswith(("set ", "cd ")) for c in commands[:-1])


def test_makefile_installs_once_and_targets_exist():
    text = (ROOT / "Makefile").read_text()
    for target in ("demo:", "test:", "$(STAMP): pyproject.toml"):
        assert target in text
    assert "-e '.[anim,dev,study,slides]'" in text and "ensure-system-deps.sh" in text


def test_a_second_call_reinstalls_nothing_unless_pyproject_changes(tmp_path):
    """Dry-run the Makefile in a scratch copy: the stamp newer than pyproject.toml means no
    install step runs; touching pyproject.toml brings the install back."""
    import shutil
    import time

    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    (tmp_path / ".venv/bin").mkdir(parents=True)
    time.sleep(0.05)
    (tmp_path / ".venv/.installed").write_text("")

    def dry():
        return subprocess.run(["make", "-n", "-C", str(tmp_path), ".venv/.installed"],
                              capture_output=True, text=True, timeout=60).stdout

    assert "pip install" not in dry()
    time.sleep(0.05)
    os.utime(tmp_path / "pyproject.toml")
    assert "pip install" in dry()


def _fake_bin(tmp_path, uid: str, pkg_ok: bool) -> dict:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {
        "pkg-config": "exit 0" if pkg_ok else "exit 1",
        "id": f"echo {uid}",
        "apt-get": f"echo apt-get \"$@\" >> {tmp_path}/apt.log",
        "cc": "exit 0",
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f"{bin_dir}:/usr/bin:/bin")
    return env


def test_system_deps_missing_as_user_prints_the_command_and_stops(tmp_path):
    env = _fake_bin(tmp_path, uid="1000", pkg_ok=False)
    out = subprocess.run(["bash", str(ROOT / "tools/ensure-system-deps.sh")], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "sudo apt-get install -y libcairo2-dev libpango1.0-dev" in out.stderr
    assert not (tmp_path / "apt.log").exists()


def test_system_deps_missing_as_root_installs_them(tmp_path):
    env = _fake_bin(tmp_path, uid="0", pkg_ok=False)
    out = subprocess.run(["bash", str(ROOT / "tools/ensure-system-deps.sh")], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    log = (tmp_path / "apt.log").read_text()
    assert "install" in log and "libcairo2-dev" in log and "libpango1.0-dev" in log


def test_system_deps_present_does_nothing(tmp_path):
    env = _fake_bin(tmp_path, uid="1000", pkg_ok=True)
    out = subprocess.run(["bash", str(ROOT / "tools/ensure-system-deps.sh")], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stderr == ""


def test_readme_python_example_runs(capsys):
    text = (ROOT / "README.md").read_text()
    (code,) = re.findall(r"```python\n(.*?)```", text, re.S)
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert "max invariant residual" in out and "check passed" in out
    assert "true critical radius 1" in out
