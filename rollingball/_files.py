"""Atomic file writes: a file is either its old self or completely new, never half-written.

:func:`atomic_write` writes into a temporary file beside the target (same folder, so the
final :func:`os.replace` is one atomic rename on POSIX), with a name no other writer can
share (``.NAME.PID.RANDOM.tmp``, created with ``O_EXCL``), flushes and ``fsync``\\ s it and
renames it onto the target.  The temporary file is removed

* when the ``with`` block raises (including ``KeyboardInterrupt`` from SIGINT),
* when the process receives SIGTERM (what ``timeout`` and ``kill`` send) or SIGINT: a
  handler removes every pending temporary file and then lets the signal do what it did
  before (the previous handler runs, or the default action kills the process).

New files get mode ``0o666 & ~umask``, like :func:`open` (not the ``0o600`` of
:func:`tempfile.mkstemp`); a replaced file keeps its mode.  Bad targets (a folder, a path
under a regular file, a missing folder, a place that cannot be written such as ``/proc``)
raise a one-line :class:`ValueError` before anything is written: :func:`check_target`.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import signal
import stat
import threading
from collections.abc import Iterator

__all__ = ["atomic_write", "atomic_copy", "atomic_savefig", "check_target"]

#: Temporary files written right now by this process (removed by the signal handler).
_PENDING: set[str] = set()
_LOCK = threading.Lock()
_PREVIOUS: dict[int, object] = {}
_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def check_target(path: str | os.PathLike, what: str = "output file") -> str:
    """Refuse, with a one-line ``ValueError``, a path :func:`atomic_write` cannot write.

    Returns the path as a string.  Checked: an empty name, an existing folder, a folder part
    that is a regular file, a missing folder, a folder without write permission, and (by
    creating and removing an empty temporary file there) a folder that refuses new files.
    """
    path = os.fspath(path)
    if not isinstance(path, str):
        path = os.fsdecode(path)
    if not path or not path.strip():
        raise ValueError(f"the {what} name is empty")
    if path.endswith(os.sep) or os.path.isdir(path):
        raise ValueError(f"the {what} {path!r} is a folder, not a file")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        probe = folder
        while probe and not os.path.exists(probe):
            parent = os.path.dirname(probe)
            if parent == probe:
                break
            probe = parent
        if os.path.exists(probe) and not os.path.isdir(probe):
            raise ValueError(f"cannot write the {what} {path!r}: {probe!r} is a file, "
                             "not a folder")
        raise ValueError(f"cannot write the {what} {path!r}: no such folder {folder!r}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write the {what} {path!r}: the folder {folder!r} "
                         "is not writable")
    probe = _temporary_name(path)  # some folders (/proc, read-only mounts) refuse even root
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
    except OSError as exc:
        raise ValueError(f"cannot write the {what} {path!r}: {exc.strerror}") from None
    os.unlink(probe)
    return path


def _cleanup_pending() -> None:
    for tmp in list(_PENDING):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        _PENDING.discard(tmp)


def _on_signal(signum, frame) -> None:
    """Remove pending temporary files, then behave as the signal's previous handler."""
    _cleanup_pending()
    previous = _PREVIOUS.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)  # e.g. default_int_handler: raises KeyboardInterrupt
        return
    if previous == signal.SIG_IGN:
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)  # the default action: the process dies of this signal


def _install_handlers() -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread
    for signum in _SIGNALS:
        current = signal.getsignal(signum)
        if current is _on_signal:
            continue
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signum, _on_signal)
            _PREVIOUS[signum] = current


def _temporary_name(path: str) -> str:
    folder, base = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{base[:64]}.{os.getpid()}.{secrets.token_hex(8)}.tmp")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb",
                 encoding: str | None = None) -> Iterator[io.IOBase]:
    """Open a unique temporary file beside ``path``; on success ``os.replace`` it onto ``path``.

    An exception in the ``with`` block, SIGINT or SIGTERM never leaves a half-written
    ``path`` nor a temporary file: ``path`` keeps its previous content.

    Args:
        path: the target file.
        mode: ``"wb"`` (default) or ``"w"`` (text, ``newline=""`` so CSV writers control
            line ends; UTF-8 unless ``encoding`` is given).

    Raises:
        ValueError: for a target that cannot be written (see :func:`check_target`).

    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with atomic_write(target, "w") as fh:
    ...     _ = fh.write("hello")
    >>> open(target).read()
    'hello'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write mode must be 'w' or 'wb', got {mode!r}")
    path = check_target(path)
    tmp = _temporary_name(path)
    try:
        old_mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        old_mode = None
    _install_handlers()
    with _LOCK:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise ValueError(f"cannot write {path!r}: {exc.strerror}") from None
        _PENDING.add(tmp)
    try:
        text = {} if "b" in mode else {"newline": "", "encoding": encoding or "utf-8"}
        with open(tmp, mode, opener=lambda _path, _flags: fd, **text) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if old_mode is not None:
            os.chmod(tmp, old_mode)
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise ValueError(f"cannot write {path!r}: {exc.strerror}") from None
        _PENDING.discard(tmp)
    finally:
        if tmp in _PENDING:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            _PENDING.discard(tmp)


def atomic_copy(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Copy the bytes of ``src`` onto ``dst`` atomically (see :func:`atomic_write`)."""
    with open(src, "rb") as source, atomic_write(dst, "wb") as target:
        while chunk := source.read(1 << 20):
            target.write(chunk)


def atomic_savefig(figure, path: str | os.PathLike, **kwargs) -> None:
    """``figure.savefig`` (a Matplotlib figure) onto ``path`` atomically.

    The format comes from the extension of ``path`` unless ``format=`` is given.
    """
    path = os.fspath(path)
    fmt = kwargs.pop("format", None) or os.path.splitext(path)[1].lstrip(".").lower() or "png"
    with atomic_write(path, "wb") as fh:
        figure.savefig(fh, format=fmt, **kwargs)
