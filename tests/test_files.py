"""rollingball._files: atomic writes survive exceptions and SIGTERM, honour the umask, and
never share temporary names."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from rollingball._files import atomic_copy, atomic_write, check_target


def _leftovers(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".tmp"))


def test_write_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with atomic_write(target) as fh:
        fh.write(b"new content")
        assert os.path.dirname(fh.name) == str(tmp_path)
        assert target.read_bytes() == b"old"  # nothing visible before the rename
    assert target.read_bytes() == b"new content"
    assert _leftovers(tmp_path) == []


def test_exception_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target, "w") as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]  # no temporary of any name left


def test_new_file_mode_honours_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        with atomic_write(tmp_path / "a.csv", "w") as fh:
            fh.write("x\n")
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "a.csv").st_mode & 0o777 == 0o666 & ~0o027 == 0o640


def test_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "b.txt"
    target.write_text("old")
    os.chmod(target, 0o604)
    with atomic_write(target, "w") as fh:
        fh.write("new")
    assert os.stat(target).st_mode & 0o777 == 0o604


def test_copy(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(3 << 20))
    atomic_copy(src, tmp_path / "dst.bin")
    assert (tmp_path / "dst.bin").read_bytes() == src.read_bytes()


_WRITER = textwrap.dedent("""
    import sys, time
    from rollingball._files import atomic_write
    target = sys.argv[1]
    with atomic_write(target) as fh:
        fh.write(b"x" * (1 << 20))
        print(fh.name, flush=True)
        for _ in range(600):
            fh.write(b"y" * (1 << 20))
            time.sleep(0.01)
    print("finished", flush=True)
""")


def test_sigterm_mid_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "big.npz"
    target.write_bytes(b"previous figure")
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)],
                            stdout=subprocess.PIPE, text=True)
    tmp_name = proc.stdout.readline().strip()
    assert os.path.exists(tmp_name) and os.path.dirname(tmp_name) == str(tmp_path)
    time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGTERM  # still dies of the signal
    assert "finished" not in out
    assert target.read_bytes() == b"previous figure"
    assert _leftovers(tmp_path) == [] and not os.path.exists(tmp_name)


def test_sigint_mid_write_raises_keyboardinterrupt_and_cleans(tmp_path):
    target = tmp_path / "big.csv"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "KeyboardInterrupt" in err
    assert not target.exists() and _leftovers(tmp_path) == []


_MANY = textwrap.dedent("""
    import sys
    from rollingball._files import atomic_write
    target, tag = sys.argv[1], sys.argv[2]
    for i in range(40):
        with atomic_write(target, "w") as fh:
            print(fh.name, flush=True)
            fh.write(tag * 1000)
""")


def test_concurrent_writers_never_share_a_temporary_name(tmp_path):
    target = tmp_path / "shared.csv"
    procs = [subprocess.Popen([sys.executable, "-c", _MANY, str(target), tag],
                              stdout=subprocess.PIPE, text=True) for tag in "ab"]
    names = [set(p.communicate(timeout=120)[0].split()) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(names[0]) == len(names[1]) == 40
    assert names[0].isdisjoint(names[1])
    assert target.read_text() in ("a" * 1000, "b" * 1000)  # one whole write, never a mix
    assert _leftovers(tmp_path) == []
    with atomic_write(target) as one, atomic_write(target) as two:  # in one process too
        assert one.name != two.name


def test_bad_targets_are_one_line_errors(tmp_path):
    (tmp_path / "file").write_text("")
    cases = {
        str(tmp_path): "is a folder",
        str(tmp_path / "file" / "out.png"): "is a file, not a folder",
        str(tmp_path / "missing" / "out.png"): "no such folder",
        "": "is empty",
    }
    for path, words in cases.items():
        with pytest.raises(ValueError, match=words) as info:
            with atomic_write(path) as fh:
                fh.write(b"never")
        assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="cannot write"):
        with atomic_write("/proc/rollingball-test.png") as fh:
            fh.write(b"never")
    assert check_target(tmp_path / "ok.png") == str(tmp_path / "ok.png")
    assert sorted(os.listdir(tmp_path)) == ["file"]
