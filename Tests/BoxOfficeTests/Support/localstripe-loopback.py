"""localstripe (PyPI), served on 127.0.0.1 only, with nothing kept on disk.

localstripe's own entry point binds every interface (`::`) and pickles its store to
/tmp/localstripe.pickle on each change, which tests running side by side would share. This runs
the same aiohttp application on a loopback socket instead, with the store in memory only.
Usage: python localstripe-loopback.py PORT
"""
import socket
import sys

from aiohttp import web
from localstripe import server
from localstripe.resources import Store

Store.dump_to_disk = lambda self: None

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", int(sys.argv[1])))
web.run_app(server.app, sock=listener, print=None)
