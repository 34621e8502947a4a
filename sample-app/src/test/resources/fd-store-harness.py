# Plays systemd's part in a restart with the fd store (FileDescriptorStoreMax=), for
# SystemdFdStoreTests: start the app with NOTIFY_SOCKET and FDSTORE, keep the descriptors it
# pushes (FDSTORE=1, FDNAME=), stop it, connect a client while nothing serves, then start the app
# again with the stored sockets at descriptors 3.. (LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID) as
# systemd does, and print what the client got back. Every wait is bounded.
import os, signal, socket, subprocess, sys, time

notify_path, lines_path, log_path = sys.argv[1], sys.argv[2], sys.argv[3]
app = sys.argv[4:]
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(notify_path)
notify.settimeout(60)
env = dict(os.environ, NOTIFY_SOCKET=notify_path, FDSTORE="8")
with open(log_path + ".1", "w") as log:
    first = subprocess.Popen(app, env=env, stdout=log, stderr=subprocess.STDOUT)
stored = []  # (name, fd)


def receive():
    """One notification; a pushed socket is kept with its FDNAME=."""
    message, fds, _, _ = socket.recv_fds(notify, 4096, 8)
    text = message.decode()
    if "FDSTORE=1" in text:
        name = [l[len("FDNAME="):] for l in text.split("\n") if l.startswith("FDNAME=")][0]
        stored.extend((name, fd) for fd in fds)
        print("stored", name, flush=True)
    return text


ready = False
deadline = time.time() + 60
while time.time() < deadline and not (ready and any(n == "lines" for n, _ in stored)):
    ready = receive().startswith("READY=1") or ready
# The other servers' sockets follow READY at once: collect them for a moment.
notify.settimeout(1)
try:
    while True:
        receive()
except socket.timeout:
    pass
first.send_signal(signal.SIGTERM)
first.wait(60)
print("stopped", first.returncode, "file", os.path.exists(lines_path), flush=True)
client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
client.settimeout(60)
client.connect(lines_path)  # refused if the socket were gone
client.sendall(b"during the restart\n")
print("connected while stopped", flush=True)
pid = os.fork()
if pid == 0:
    for i, (_, fd) in enumerate(stored):
        os.dup2(fd, 3 + i, inheritable=True)
    log = os.open(log_path + ".2", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    child_env = dict(env, LISTEN_FDS=str(len(stored)), LISTEN_FDNAMES=":".join(n for n, _ in stored),
                     LISTEN_PID=str(os.getpid()))
    os.execve(app[0], app, child_env)
try:
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = client.recv(100)
        if not chunk:
            break
        reply += chunk
    print("reply", reply.decode().strip(), flush=True)
finally:
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
