#!/usr/bin/env python3
"""Soak: mixed traffic through a running Gatehouse jar while members fail and the configuration reloads.

    python3 bench/soak.py [--minutes 10] [--jar target/gatehouse.jar]

Starts three HTTP, three TCP-echo and three UDP-echo members on 127.0.0.1 (in this process), the gateway jar
in front of them, and for the given time runs: keep-alive HTTP GETs, new-connection HTTP GETs, TCP echo round
trips on fresh connections, UDP echo round trips, while every 20 s one member of each pool is stopped for 5 s
and every 15 s the configuration file is rewritten (weights change). It prints, per minute and at the end,
the requests done, the failures by kind, and the gateway's RSS, and exits 1 if the gateway died or a client
hung. Everything stays on loopback; every loop is bounded by the run's deadline. Failures while a member is
being stopped are expected in small numbers (a request in flight on it when it dies gets a 502 or a reset):
the figure to watch is their rate compared with the fault count, and that nothing hangs or leaks.
"""
import argparse, http.client, json, os, signal, socket, socketserver, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            while True:
                d = self.request.recv(65536)
                if not d:
                    return
                self.request.sendall(d)
        except OSError:
            return


class ThreadingTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Member:
    """A member that can be stopped and started again on the same port."""

    def __init__(self, kind, port):
        self.kind, self.port, self.server, self.thread = kind, port, None, None

    def start(self):
        for _ in range(50):
            try:
                if self.kind == "http":
                    ThreadingHTTPServer.allow_reuse_address = True
                    self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Hello)
                elif self.kind == "tcp":
                    self.server = ThreadingTCP(("127.0.0.1", self.port), Echo)
                else:
                    self.server = UdpEcho(self.port)
                break
            except OSError:
                time.sleep(0.1)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class UdpEcho:
    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.2)
        self.running = True

    def serve_forever(self):
        while self.running:
            try:
                d, a = self.sock.recvfrom(65536)
                self.sock.sendto(d, a)
            except socket.timeout:
                continue
            except OSError:
                return

    def shutdown(self):
        self.running = False

    def server_close(self):
        self.sock.close()


def config(ports, members, weights):
    def pool(name, proto, kind):
        return {"name": name, "protocol": proto, "members": [
            {"address": "127.0.0.1", "protocol_port": m.port, "weight": w}
            for m, w in zip(members[kind], weights)],
            "health_monitor": {"type": "TCP" if proto != "UDP" else "UDP_CONNECT", "delay": 1, "timeout": 0.5,
                               "max_retries": 2, "max_retries_down": 2}}
    return {"node": {"name": "soak", "event_loops": 2}, "admin": {"port": ports["admin"]},
            "reload": {"scan_period_ms": 0}, "drain_timeout": 5, "access_log": False,
            "listeners": [
                {"name": "web", "protocol": "HTTP", "host": "127.0.0.1", "protocol_port": ports["http"],
                 "default_pool": "web"},
                {"name": "tcp", "protocol": "TCP", "host": "127.0.0.1", "protocol_port": ports["tcp"],
                 "default_pool": "tcp"},
                {"name": "udp", "protocol": "UDP", "host": "127.0.0.1", "protocol_port": ports["udp"],
                 "default_pool": "udp", "keepalive_timeout": 10}],
            "pools": [pool("web", "HTTP", "http"), pool("tcp", "TCP", "tcp"), pool("udp", "UDP", "udp")]}


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--jar", default=os.path.join(ROOT, "target", "gatehouse.jar"))
    args = ap.parse_args()
    deadline = time.time() + args.minutes * 60
    members = {k: [Member(k, free_port()) for _ in range(3)] for k in ("http", "tcp", "udp")}
    for ms in members.values():
        for m in ms:
            m.start()
    ports = {k: free_port() for k in ("admin", "http", "tcp", "udp")}
    work = tempfile.mkdtemp(prefix="gatehouse-soak-")
    cfg = os.path.join(work, "gatehouse.json")
    with open(cfg, "w") as f:
        json.dump(config(ports, members, [1, 1, 1]), f)
    log = open(os.path.join(work, "gatehouse.log"), "w")
    gw = subprocess.Popen(["java", "-jar", args.jar, "--config", cfg], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            try:
                c = http.client.HTTPConnection("127.0.0.1", ports["admin"], timeout=1)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        counts = {}
        lock = threading.Lock()

        def count(kind):
            with lock:
                counts[kind] = counts.get(kind, 0) + 1

        def keepalive():
            c = None
            while time.time() < deadline:
                try:
                    if c is None:
                        c = http.client.HTTPConnection("127.0.0.1", ports["http"], timeout=10)
                    c.request("GET", "/")
                    r = c.getresponse()
                    r.read()
                    count("http_ka_ok" if r.status == 200 else f"http_ka_{r.status}")
                except Exception as e:
                    count("http_ka_error:" + type(e).__name__)
                    c = None

        def newconn():
            while time.time() < deadline:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", ports["http"], timeout=10)
                    c.request("GET", "/", headers={"Connection": "close"})
                    r = c.getresponse()
                    r.read()
                    c.close()
                    count("http_new_ok" if r.status == 200 else f"http_new_{r.status}")
                except Exception as e:
                    count("http_new_error:" + type(e).__name__)

        def tcp():
            while time.time() < deadline:
                try:
                    with socket.create_connection(("127.0.0.1", ports["tcp"]), timeout=10) as s:
                        s.sendall(b"ping")
                        count("tcp_ok" if s.recv(4) == b"ping" else "tcp_short")
                except Exception as e:
                    count("tcp_error:" + type(e).__name__)

        def udp():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(2)
            i = 0
            while time.time() < deadline:
                i += 1
                msg = b"d%d" % i
                try:
                    s.sendto(msg, ("127.0.0.1", ports["udp"]))
                    count("udp_ok" if s.recvfrom(65536)[0] == msg else "udp_other")
                except socket.timeout:
                    count("udp_lost")

        threads = [threading.Thread(target=f, daemon=True) for f in (keepalive, newconn, tcp, udp)]
        for t in threads:
            t.start()
        faults = reloads = 0
        start = next_fault = next_reload = next_report = time.time()
        while time.time() < deadline:
            now = time.time()
            if now >= next_fault:
                victims = [members[k][faults % 3] for k in members]
                for v in victims:
                    v.stop()
                time.sleep(5)
                for v in victims:
                    v.start()
                faults += 1
                next_fault = now + 20
            if now >= next_reload:
                reloads += 1
                w = [1 + (reloads + i) % 3 for i in range(3)]
                with open(cfg + ".tmp", "w") as f:
                    json.dump(config(ports, members, w), f)
                os.replace(cfg + ".tmp", cfg)
                c = http.client.HTTPConnection("127.0.0.1", ports["admin"], timeout=10)
                c.request("POST", "/api/v1/reload")
                c.getresponse().read()
                next_reload = now + 15
            if now >= next_report:
                with lock:
                    snapshot = dict(sorted(counts.items()))
                print(f"[{int(now - start):4d} s] rss {rss_mb(gw.pid)} MB, faults {faults}, reloads {reloads}: "
                      f"{snapshot}", flush=True)
                next_report = now + 60
            if gw.poll() is not None:
                print("the gateway died", file=sys.stderr)
                return 1
            time.sleep(0.2)
        for t in threads:
            t.join(timeout=15)
        hung = [t for t in threads if t.is_alive()]
        with lock:
            final = dict(sorted(counts.items()))
        print(f"done: {args.minutes} min, faults {faults}, reloads {reloads}, rss {rss_mb(gw.pid)} MB: {final}")
        if hung:
            print(f"{len(hung)} client loops hung", file=sys.stderr)
            return 1
        return 0
    finally:
        gw.send_signal(signal.SIGTERM)
        try:
            gw.wait(timeout=40)
        except subprocess.TimeoutExpired:
            gw.kill()


if __name__ == "__main__":
    sys.exit(main())
