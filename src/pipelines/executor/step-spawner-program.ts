/**
 * The step spawner: a small long-lived Python program (run as `python3 -I -S -c STEP_SPAWNER_PROGRAM`) that starts
 * step processes for the executor, so that starting a step costs neither a fork of the large server process nor an
 * interpreter start (the usage wrapper's cost, see `cost/usage-wrapper.ts`).
 *
 * Protocol, JSON lines. It first writes `{"type": "ready"}`. Each line on its stdin is one request
 * `{"id", "argv", "cwd", "env", "stdout", "stderr"}`; it answers on its stdout with
 * `{"type": "started", "id", "pid"}` or `{"type": "spawn-failed", "id", "message"}` right away, then, once the
 * process has been reaped, `{"type": "ended", "id", "code" | "signal", "cpu_ms", "peak_rss_bytes"}` (user + system
 * CPU time of the process and every descendant it waited for, and the largest `ru_maxrss` among them, from
 * `os.wait4`: the same figures the usage wrapper reports).
 *
 * Each step starts with `os.posix_spawn` in a new session (its own process group, so a kill reaches its whole tree),
 * signal dispositions reset and the signal mask cleared, stdin on /dev/null and stdout/stderr opened in append mode
 * straight onto its two log files, or, with `"pipes": true` (a step whose output is masked), onto two pipes whose
 * chunks it forwards as `{"type": "output", "id", "stream": "stdout" | "stderr", "data": BASE64}` lines, then
 * `{"type": "eof", "id", "stream"}` once the pipe closes (possibly after `ended`). The executable is looked up on the step's own PATH, as `execvp` would, after
 * changing into its folder (the program is single-threaded, so changing its own folder is safe); a file the kernel
 * refuses as not executable (ENOEXEC: an executable script with no `#!` line) is run as `/bin/sh FILE ARGS...`, as
 * `execvp` does (glibc's `posix_spawn` does not). A command that
 * cannot start is reported as `spawn NAME <strerror>`, as the wrapper does. The program exits when its stdin closes
 * (the server is gone): running steps are left as orphans, as a crashed server leaves them, for the next server to
 * kill (see `killOrphanGroup`).
 */
export const STEP_SPAWNER_PROGRAM = String.raw`
import base64, errno, json, os, selectors, signal, sys

def send(obj):
    data = (json.dumps(obj) + "\n").encode()
    while data:
        data = data[os.write(1, data):]

def strerror(e):
    return e.strerror or str(e)

def resolve(name, path):
    if "/" in name:
        return name, None
    denied = None
    for d in (path if path is not None else os.defpath).split(os.pathsep):
        candidate = os.path.join(d or ".", name)
        if os.path.isfile(candidate):
            if os.access(candidate, os.X_OK):
                return candidate, None
            denied = errno.EACCES
    return None, denied or errno.ENOENT

RESET = [getattr(signal, s) for s in ("SIGPIPE", "SIGXFSZ", "SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1",
                                      "SIGUSR2", "SIGCHLD", "SIGALRM", "SIGTTIN", "SIGTTOU", "SIGTSTP")
         if hasattr(signal, s)]
SHELL = "/bin/sh"
APPEND = os.O_WRONLY | os.O_APPEND | os.O_CREAT
SCALE = 1 if sys.platform == "darwin" else 1024
home = os.getcwd()
running = {}
readers = {}
# epoll where there is one: no limit on the number of descriptors, unlike select() (1,024).
poller = selectors.DefaultSelector()

def spawn(path, argv, env, actions):
    try:
        return os.posix_spawn(path, argv, env, setsid=True, setsigdef=RESET, setsigmask=(), file_actions=actions)
    except OSError as e:
        if e.errno != errno.ENOEXEC:
            raise
    # As execvp does: a file the kernel will not execute (no #! line) is run as a shell script.
    return os.posix_spawn(SHELL, [SHELL, path, *argv[1:]], env, setsid=True, setsigdef=RESET, setsigmask=(),
                          file_actions=actions)

def start(req):
    rid = req["id"]
    pipes = None
    argv = [str(a) for a in req["argv"]]
    env = {str(k): str(v) for k, v in req["env"].items()}
    name = argv[0] if argv else ""
    try:
        os.chdir(req["cwd"])
        path, err = resolve(name, env.get("PATH"))
        if path is None:
            raise OSError(err, os.strerror(err))
        if req.get("pipes"):
            pipes = [os.pipe(), os.pipe()]
            outputs = [(os.POSIX_SPAWN_DUP2, pipes[0][1], 1), (os.POSIX_SPAWN_DUP2, pipes[1][1], 2)]
        else:
            pipes = None
            outputs = [(os.POSIX_SPAWN_OPEN, 1, req["stdout"], APPEND, 0o644),
                       (os.POSIX_SPAWN_OPEN, 2, req["stderr"], APPEND, 0o644)]
        try:
            pid = spawn(path, argv, env, [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0), *outputs])
        finally:
            if pipes is not None:
                os.close(pipes[0][1])
                os.close(pipes[1][1])
    except OSError as e:
        if pipes is not None:
            os.close(pipes[0][0])
            os.close(pipes[1][0])
        text = "spawn " + name + " " + strerror(e)
        send({"type": "spawn-failed", "id": rid, "message": text})
        return
    finally:
        try:
            os.chdir(home)
        except OSError:
            pass
    running[pid] = rid
    send({"type": "started", "id": rid, "pid": pid})
    if pipes is not None:
        for fd, stream in ((pipes[0][0], "stdout"), (pipes[1][0], "stderr")):
            os.set_blocking(fd, False)
            readers[fd] = (rid, stream)
            poller.register(fd, selectors.EVENT_READ)

def forward(fd):
    rid, stream = readers[fd]
    try:
        data = os.read(fd, 65536)
    except BlockingIOError:
        return
    if data:
        send({"type": "output", "id": rid, "stream": stream, "data": base64.b64encode(data).decode()})
        return
    poller.unregister(fd)
    os.close(fd)
    del readers[fd]
    send({"type": "eof", "id": rid, "stream": stream})

def reap():
    while running:
        try:
            pid, status, ru = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        rid = running.pop(pid, None)
        if rid is None:
            continue
        out = {"type": "ended", "id": rid, "cpu_ms": round((ru.ru_utime + ru.ru_stime) * 1000),
               "peak_rss_bytes": ru.ru_maxrss * SCALE}
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            try:
                out["signal"] = signal.Signals(sig).name
            except ValueError:
                out["signal"] = "SIG%d" % sig
        else:
            out["code"] = os.waitstatus_to_exitcode(status)
        send(out)

wake_r, wake_w = os.pipe()
os.set_blocking(wake_w, False)
os.set_blocking(wake_r, False)
signal.signal(signal.SIGCHLD, lambda *_: None)
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
poller.register(0, selectors.EVENT_READ)
poller.register(wake_r, selectors.EVENT_READ)
send({"type": "ready"})
buf = b""
while True:
    try:
        ready = [key.fd for key, _ in poller.select()]
    except InterruptedError:
        ready = []
    if wake_r in ready:
        try:
            while os.read(wake_r, 512):
                pass
        except BlockingIOError:
            pass
    for fd in ready:
        if fd in readers:
            forward(fd)
    reap()
    if 0 in ready:
        chunk = os.read(0, 65536)
        if not chunk:
            os._exit(0)
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line.strip():
                start(json.loads(line))
        reap()
`;
