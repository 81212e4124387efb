"""An SMTP sink for the campaign benchmark: aiosmtpd on loopback that accepts every message,
keeps nothing but counts (messages, distinct Message-IDs), and rewrites COUNT_FILE with them
as JSON whenever a message arrives, at most ten times a second.

  campaign-sink.py PORT_FILE COUNT_FILE
"""
import json
import os
import re
import signal
import socket
import sys
import time

from aiosmtpd.controller import Controller

port_file, count_file = sys.argv[1], sys.argv[2]
message_id = re.compile(rb"\r\nMessage-ID: (<[^>\r]+>)\r\n", re.IGNORECASE)


class Sink:
    messages = 0
    ids = set()
    first = last = written = 0.0

    async def handle_DATA(self, server, session, envelope):
        now = time.time()
        Sink.first = Sink.first or now
        Sink.last = now
        Sink.messages += 1
        found = message_id.search(envelope.original_content)
        if found:
            Sink.ids.add(found.group(1))
        if now - Sink.written > 0.1:
            Sink.write()
        return "250 OK"

    @staticmethod
    def write():
        Sink.written = time.time()
        with open(count_file + ".part", "w") as file:
            json.dump({"messages": Sink.messages, "distinct": len(Sink.ids), "first": Sink.first, "last": Sink.last}, file)
        os.rename(count_file + ".part", count_file)


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
port = listener.getsockname()[1]
listener.close()
controller = Controller(Sink(), hostname="127.0.0.1", port=port, data_size_limit=1 << 20)
controller.start()
with open(port_file, "w") as file:
    file.write(str(port))
signal.signal(signal.SIGTERM, lambda *_: (Sink.write(), controller.stop(), sys.exit(0)))
while True:
    time.sleep(0.5)
    Sink.write()
