"""Hostile example: tries to reach the network (DNS, a public IP, the host gateway)."""

import socket
import sys

attempts = [("1.1.1.1", 53), ("8.8.8.8", 443), ("10.0.2.2", 80), ("172.17.0.1", 80)]
errors = []
try:
    socket.getaddrinfo("deb.debian.org", 80)
    print("BREACH: DNS resolution worked", flush=True)
    sys.exit(0)
except OSError as exc:
    errors.append(f"dns: {exc}")
for host, port in attempts:
    try:
        socket.create_connection((host, port), timeout=2).close()
        print(f"BREACH: connected to {host}:{port}", flush=True)
        sys.exit(0)
    except OSError as exc:
        errors.append(f"{host}:{port}: {exc}")
print("blocked: network unreachable (" + "; ".join(errors) + ")", file=sys.stderr, flush=True)
sys.exit(3)
