#!/usr/bin/env python3
"""Resumed TLS handshakes, each with one request: every client takes a session (a TLS 1.3 ticket) from --first,
then for --duration seconds opens new connections to --then offering that session, makes one request on each and
reads the answer. Prints `connections=N resumed=R wall=S`. With --first and --then on two nodes of a cluster this is
resumption across nodes; with the same address twice, resumption on one node."""
import argparse, multiprocessing, socket, ssl, time

REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"

def exchange(address, context, session=None):
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        # as curl and openssl do: with Nagle on, the request waits behind the unacknowledged Finished (~40 ms)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with context.wrap_socket(raw, server_hostname="bench", session=session) as tls:
            tls.sendall(REQUEST)
            while tls.recv(65536):  # reading the answer is what reads the ticket (sent after the handshake)
                pass
            return tls.session, tls.session_reused

def client(args, out):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    session, _ = exchange(args.first, context)
    done = resumed = 0
    end = time.monotonic() + args.duration
    while time.monotonic() < end:
        _, reused = exchange(args.then, context, session)
        done += 1
        resumed += reused
    out.put((done, resumed))

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--first", required=True, help="host:port the sessions come from")
    p.add_argument("--then", required=True, help="host:port they are offered to")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--duration", type=float, default=5)
    args = p.parse_args()
    out = multiprocessing.Queue()
    start = time.monotonic()
    procs = [multiprocessing.Process(target=client, args=(args, out)) for _ in range(args.clients)]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=args.duration + 30) for _ in procs]
    for proc in procs:
        proc.join()
    print("connections=%d resumed=%d wall=%.2f" % (sum(r[0] for r in results), sum(r[1] for r in results),
                                                   time.monotonic() - start))

if __name__ == "__main__":
    main()
