"""Processes of a benchmark run: free ports, children with logs, /proc readings, HTTP JSON.

Only the Python standard library; nothing here builds anything. Every child is started in its
own process group and stopped by `Proc.stop` (SIGTERM, then SIGKILL after a grace period), and
`Procs` stops whatever it started even when a scenario fails.
"""

import json
import os
import resource
import signal
import socket
import subprocess
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_nofile(limit):
    """Raises this process's RLIMIT_NOFILE soft limit (children inherit it) up to `limit`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(limit, hard) if hard != resource.RLIM_INFINITY else limit
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def wait_port(port, within, proc=None):
    """Waits until something accepts TCP connections on 127.0.0.1:`port`."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc is not None and proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited ({proc.popen.returncode}) before listening "
                               f"on {port}:\n{proc.tail()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {within} s"
                       + (f":\n{proc.tail()}" if proc else ""))


def http_json(method, url, body=None, timeout=10):
    """One HTTP call with a JSON body (or none); the decoded JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read() or b"null")


class CpuMem:
    """CPU time and peak memory of one process from /proc (all its threads)."""

    def __init__(self, pid):
        self.pid = pid

    def cpu_seconds(self):
        """utime + stime so far, in seconds."""
        with open(f"/proc/{self.pid}/stat") as f:
            text = f.read()
        # The command name may contain spaces: the fields start after its closing paren.
        fields = text[text.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def status_kib(self, key):
        """A `VmXXX:` line of /proc/<pid>/status in KiB (0 when absent)."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def rss_mib(self):
        """Resident set size now, MiB."""
        return self.status_kib("VmRSS") / 1024

    def hwm_mib(self):
        """Peak resident set size (VmHWM), MiB."""
        return self.status_kib("VmHWM") / 1024


class Proc:
    """One child process with its output in a log file."""

    def __init__(self, name, argv, log_dir, nofile=None, env=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log_path = os.path.join(log_dir, f"{name}.log")
        log = open(self.log_path, "wb")

        def prepare():
            os.setpgid(0, 0)
            if nofile:
                soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
                resource.setrlimit(resource.RLIMIT_NOFILE, (min(nofile, hard), hard))

        self.popen = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, preexec_fn=prepare,
                                      env=env)
        log.close()
        self.usage = CpuMem(self.popen.pid)

    @property
    def pid(self):
        return self.popen.pid

    def tail(self, lines=30):
        """The last lines of the log."""
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def wait(self, timeout):
        """Waits for the exit; kills the process after `timeout` s. The exit code."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise RuntimeError(f"{self.name} did not finish within {timeout} s:\n{self.tail()}")

    def stop(self, grace=10):
        """SIGTERM to the process group, SIGKILL after `grace` seconds."""
        if self.popen.poll() is not None:
            return self.popen.returncode
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                break
            try:
                return self.popen.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        return self.popen.poll()


class Procs:
    """The children of one scenario run; `with Procs(dir) as p:` stops them all at the end."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.children = []

    def start(self, name, argv, **kw):
        proc = Proc(name, argv, self.log_dir, **kw)
        self.children.append(proc)
        return proc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for proc in reversed(self.children):
            proc.stop()
        return False
