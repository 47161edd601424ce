"""Starts the FastAPI peer under uvicorn with N worker processes, as `uvicorn app:app
--workers N --no-access-log` does, with one difference: the listening socket is created
with proto=IPPROTO_TCP.

Why: for --workers > 1, uvicorn 0.17 (Debian bookworm) binds the socket itself with
`socket.socket(family=...)`, leaving proto at 0. Accepted sockets inherit that proto and
asyncio only sets TCP_NODELAY when proto is IPPROTO_TCP, so Nagle's algorithm stays on and
every keep-alive response (headers and body are two writes) waits ~40 ms for the client's
delayed ACK (uvicorn issue #3149, still open). One worker is not affected (asyncio builds
that socket from getaddrinfo). Without this the two-worker peer would be measured at a
third of the one-worker rate, which says nothing about FastAPI.

Usage: serve.py HOST PORT WORKERS
"""

import socket
import sys

import uvicorn
from uvicorn.supervisors import Multiprocess


def main() -> None:
    host, port, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    config = uvicorn.Config("app:app", host=host, port=port, workers=workers,
                            access_log=False, log_level="warning")
    server = uvicorn.Server(config=config)
    if workers == 1:
        server.run()
        return
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.set_inheritable(True)
    Multiprocess(config, target=server.run, sockets=[listener]).run()


if __name__ == "__main__":
    main()
