"""How a step runs on this machine: its shell, its interpreter line, paths and mounts.

Steps name container paths (`/workspace/<w>`, a `mountPath`, `/tekton/results`); on this machine
those are folders, and the shell is chosen to behave like the step image's own `sh`.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

# Step images are mostly busybox/alpine, whose `sh` takes `[ a == b ]`, `[[ ]]` and `${v:0:3}`
# and whose `echo` keeps backslashes; bash in POSIX mode behaves like that. Debian-family images
# have dash as `sh`, so their scripts get dash when this machine has it.
_ASH_LIKE = [_bash, "--posix"] if (_bash := shutil.which("bash")) else ["/bin/sh"]
_DASH = [_dash] if (_dash := shutil.which("dash")) else ["/bin/sh"]
# Official images built on Debian unless their tag says alpine.
_DEBIAN_IMAGES = ("ubuntu", "debian", "python", "node", "golang", "ruby", "openjdk", "maven", "gradle")


def shell_for(image: str) -> list[str]:
    name = image.rsplit("/", 1)[-1]
    debian = name.startswith(_DEBIAN_IMAGES) and "alpine" not in name
    return _DASH if debian else _ASH_LIKE


# busybox ash has no `[[` keyword: `[[` is `test` wanting a final `]]`, so its words are split and
# globbed like any command's (`[[ $(false) != x ]]` errors instead of holding). Bash's `[`
# behaves that way, so on ash-like images `[[ ... ]]` is read as `[ ... ]`.
_OPEN = re.compile(r"(?<![^\s;(&|!])\[\[(?=\s)")
_CLOSE = re.compile(r"(?<=\s)\]\](?=$|[\s;)&|])", re.MULTILINE)


def ash_compat(script: str, sh: list[str]) -> str:
    if sh is not _ASH_LIKE or "[[" not in script:
        return script
    return _CLOSE.sub("]", _OPEN.sub("[", script))


def interpreter(script: str, sh: list[str]) -> list[str]:
    """The `#!` line as an argv prefix; sh-family shells become `sh`, their flags kept.

    Running the interpreter on the file (rather than exec'ing the file) also avoids ETXTBSY
    when another thread forks while this script is still open for writing.
    """
    line = script.split("\n", 1)[0][2:].strip()
    words = line.split(None, 1)  # the kernel passes the rest of the line as one argument
    if words[:1] == ["/usr/bin/env"] and len(words) == 2:
        words = ["/usr/bin/env", *words[1].split(None, 1)]
        if words[1] in ("sh", "ash"):
            return [*sh, *words[2:]]
        return words
    if words and words[0] in ("/bin/sh", "/bin/ash"):
        return [*sh, *words[1:]]
    return words


_REMOUNT_READ_ONLY = (
    'for d in "$@"; do [ "$d" = -- ] && break; '
    'mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" "$d" || exit 126; '
    'shift; done; shift; exec "$@"'
)


def map_paths(text: str, mounts: list[tuple[str, str]]) -> str:
    """Container paths a step names literally (`/workspace/src`, a `mountPath`, `/tekton/results`)
    become the folders that stand in for them on this machine."""
    for container, local in sorted(mounts, key=lambda m: -len(m[0])):
        if container in text:
            text = re.sub(re.escape(container) + r"(?![\w.-])", local.replace("\\", "\\\\"), text)
    return text


def read_only(argv: list[str], dirs: list[str]) -> list[str]:
    """Run the step in a private mount namespace where `readOnly` workspaces are read-only.

    File permissions cannot stop root, so a read-only bind mount does it (as a pod's would);
    without root or `unshare`, the workspace stays writable.
    """
    if not dirs or os.geteuid() != 0 or shutil.which("unshare") is None:
        return argv
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", _REMOUNT_READ_ONLY, "sh", *dirs, "--", *argv]


def working_dir(declared: str, ws_root: Path, base: Path) -> str:
    """`/workspace/...` maps to this attempt's workspace folder; other paths are created."""
    if not declared or declared == "/workspace":
        return str(ws_root)
    if declared.startswith("/workspace/"):
        target = ws_root / declared[len("/workspace/") :]
    elif Path(declared).is_absolute() and Path(declared).is_dir():
        return declared
    else:
        target = base / "workdir" / declared.lstrip("/")
    target.mkdir(parents=True, exist_ok=True)
    return str(target)
