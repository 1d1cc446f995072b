"""Runs the code blocks of README.md and docs/*.md as a reader would paste them.

    python compat/examples.py BINARY [FILE.md ...]      (scripts/examples.sh sets it up)

Each document is one session in a fresh empty folder, its blocks in order:
- shell blocks (```sh, ```bash, or a fence without a language) run in one bash script
  with `set -euo pipefail`, so a variable one block exports is there for the next;
- ```python blocks are written to a file and run with the suite's Python (the virtual
  environment with the Graph SDK and MSAL), in the same folder and environment;
- a block right after a line `<!-- illustrative -->` is skipped; any other block (a
  ```toml or ```json sample, say) is an error until it is marked, so nothing a reader
  may paste goes unchecked by accident.

What the runner changes, and nothing else:
- `cargo run --release --bin edugraph --` becomes `edugraph`, and `edugraph` is the binary
  the suite built (first on PATH), as is `python3` the suite's Python;
- every `127.0.0.1:PORT` becomes a free port (the same one throughout a document), so
  runs never collide with each other or with a server already running;
- a line starting `edugraph serve` runs in the background (a reader runs it in another
  terminal), and the script waits until its `/_edugraph/health` answers; every server is
  stopped at the end;
- `curl` fails on an HTTP error status (`--fail-with-body`), which a reader sees anyway.

Exits non-zero when a block fails, naming the document and line of that block and
showing the output (EXAMPLES_VERBOSE=1 shows it always).
"""

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

MARK = "<!-- illustrative -->"
SHELL = {"", "sh", "bash", "shell"}
PYTHON = {"python", "py"}
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
SERVE = re.compile(r"^(?:\w+=\S+\s+)*edugraph\s+serve\b")
LOOPBACK = re.compile(r"127\.0\.0\.1:(\d{2,5})\b")
TIMEOUT_SECS = 240

PRELUDE = r"""
set -euo pipefail
__pids=()
__stop() { for p in "${__pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap __stop EXIT
curl() { command curl --fail-with-body --silent --show-error "$@"; }
__serve_wait() {  # URL PID LOG
  for _ in $(seq 1 600); do
    if command curl -fsk "$1/_edugraph/health" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then echo "the server exited (log below)" >&2; return 1; fi
    sleep 0.1
  done
  echo "the server at $1 did not become healthy (log below)" >&2; return 1
}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_for(ports, documented):
    """The free port standing in for a documented one."""
    if documented not in ports:
        ports[documented] = free_port()
    return ports[documented]


class Block:
    def __init__(self, path, line, lang, text, skipped):
        self.path, self.line, self.lang, self.text, self.skipped = path, line, lang, text, skipped

    @property
    def where(self):
        return f"{self.path}:{self.line}"


def blocks(path, root):
    """The fenced blocks of a Markdown file, with their language and marking."""
    lines = Path(path).read_text().splitlines()
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group(1), m.group(2), m.group(3).lower()
        previous = next((l.strip() for l in reversed(lines[:i]) if l.strip()), "")
        body, j = [], i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j])
            j += 1
        rel = os.path.relpath(path, root)
        out.append(Block(rel, i + 1, lang, "\n".join(body) + "\n", previous == MARK))
        i = j + 1
    return out


def serve_line(line, ports):
    """`edugraph serve ...` in the background, then a wait for its health endpoint."""
    words = shlex.split(line, comments=True)
    listen = f"127.0.0.1:{port_for(ports, 8080)}"  # serve's default
    for k, w in enumerate(words):
        if w == "--listen" and k + 1 < len(words):
            listen = words[k + 1]
        elif w.startswith("--listen="):
            listen = w.split("=", 1)[1]
    scheme = "https" if "--tls-cert" in words else "http"
    log = f'"$__logs/serve-{ports["n"]}.log"'
    ports["n"] += 1
    return (
        f"{line.split(' #')[0].rstrip()} >{log} 2>&1 &\n"
        f'__pids+=("$!")\n__serve_wait {scheme}://{listen} "$!" {log}\n'
    )


def script(doc_blocks, ports, work):
    """The bash script of one document."""
    out = [PRELUDE, f'__logs={shlex.quote(str(work / ".logs"))}\nmkdir -p "$__logs"\n']
    for n, b in enumerate(doc_blocks):
        if b.skipped:
            continue
        text = b.text.replace("cargo run --release --bin edugraph --", "edugraph")
        text = LOOPBACK.sub(lambda m: f"127.0.0.1:{port_for(ports, int(m.group(1)))}", text)
        marker = f"== {b.where} ({b.lang or 'sh'})"
        out.append(f"echo {shlex.quote(marker)} >&2\n")
        if b.lang in SHELL:
            # Continuation lines are joined first, so a server command is seen whole.
            for line in text.replace("\\\n", " ").splitlines():
                if SERVE.match(line.strip()):
                    out.append(serve_line(line.strip(), ports))
                else:
                    out.append(line + "\n")
        else:
            file = work / ".logs" / f"block-{n}.py"
            file.parent.mkdir(exist_ok=True)
            file.write_text(text)
            out.append(f"python3 {shlex.quote(str(file))}\n")
    return "".join(out)


def run_document(path, root, binary, python):
    doc_blocks = blocks(path, root)
    unmarked = [b for b in doc_blocks if not b.skipped and b.lang not in SHELL | PYTHON]
    if unmarked:
        for b in unmarked:
            print(f"{b.where}: a ```{b.lang} block is neither runnable nor marked {MARK}", file=sys.stderr)
        return False
    runnable = [b for b in doc_blocks if not b.skipped]
    if not runnable:
        print(f"-- {os.path.relpath(path, root)}: no runnable block")
        return True
    work = Path(tempfile.mkdtemp(prefix="edugraph-examples-"))
    bindir = work / ".bin"
    bindir.mkdir()
    (bindir / "edugraph").symlink_to(binary)
    ports = {"n": 0}
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDUGRAPH_")}
    # The virtual environment's bin folder, not a link to its python: a venv is recognised
    # by the folder its interpreter is started from.
    env["PATH"] = f"{bindir}:{os.path.dirname(python)}:{env.get('PATH', '/usr/bin:/bin')}"
    env["EDUGRAPH_LOG_FORMAT"] = "json"
    # `serve` without --listen binds the default port: the stand-in for it.
    env["EDUGRAPH_LISTEN"] = f"127.0.0.1:{port_for(ports, 8080)}"
    body = script(doc_blocks, ports, work)
    print(f"-- {os.path.relpath(path, root)}: {len(runnable)} blocks in {work}")
    try:
        done = subprocess.run(["bash", "-c", body], cwd=work, env=env, timeout=TIMEOUT_SECS,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        ok, output = done.returncode == 0, done.stdout
    except subprocess.TimeoutExpired as e:
        ok, output = False, (e.stdout or b"").decode(errors="replace") + f"\n(timed out after {TIMEOUT_SECS} s)"
    if not ok or os.environ.get("EXAMPLES_VERBOSE"):
        print(output[-8000:])
    if not ok:
        for log in sorted((work / ".logs").glob("serve-*.log")):
            print(f"---- {log.name} (last lines)")
            print("\n".join(log.read_text(errors="replace").splitlines()[-30:]))
        print(f"FAILED: {os.path.relpath(path, root)} (the last '==' line names the block)")
    shutil.rmtree(work, ignore_errors=True)
    return ok


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    root = Path(__file__).resolve().parent.parent
    files = sys.argv[2:] or [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    results = [run_document(Path(f).resolve(), root, binary, sys.executable) for f in files]
    passed = sum(results)
    print(f"examples: {passed} passed, {len(results) - passed} failed")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
